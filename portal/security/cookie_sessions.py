"""Flask's signed-cookie sessions, each distinct cookie checked once per worker.

Opening the session cookie took a tenth of a kept firm home page's work (issue
15): a new serializer, two HMACs (the key, then the signature), base64, zlib and
tagged JSON, on every request, for a browser that sends the same cookie page after
page (it changes only when the session does, ``portal.security.hooks``).

A cookie that passed the check is kept, byte for byte, with what it held and when
it was signed. The same bytes, under the same keys, would pass the same check, so
a kept cookie is given its contents again after only its age is checked, as
itsdangerous checks it. Anything else (a new cookie, a changed key, one that
failed) goes through Flask's check. Only sessions whose values are plain
(strings, numbers, booleans) are kept, so no request can change another's copy.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from portal.recently_used import RecentlyUsed

#: Distinct cookies kept per worker, the least recently sent dropped first.
MAX_KEPT = 4096

_PLAIN = (str, int, float, bool, type(None))


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        # (cookie, keys) -> (contents, when signed)
        self._opened = RecentlyUsed(MAX_KEPT)

    def open_session(self, app, request):
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (value, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._opened.get(key)
        if kept is not None:
            contents, signed_at = kept
            # itsdangerous's own rule: no older than max_age, not from the future.
            if 0 <= time.time() - signed_at <= max_age:
                return self.session_class(contents)
        try:
            contents, signed_at = self.get_signing_serializer(app).loads(
                value, max_age=max_age, return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        if isinstance(contents, dict) and all(type(v) in _PLAIN for v in contents.values()):
            self._opened.put(key, (dict(contents), signed_at.timestamp()))
        return self.session_class(contents)
