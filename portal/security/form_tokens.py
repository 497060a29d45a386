"""CSRF: the kept page's token signed once per session, and the check run only for the
methods it guards (``check_unsafe_methods``).

Flask-WTF signs the session's CSRF secret afresh on every request that shows a
form (JSON, zlib, base64, a timestamp and two HMACs: 4 % of a kept firm home
page's work, issue 15). The portal sets no time limit on the token
(``WTF_CSRF_TIME_LIMIT = None``: the session's own lifetime bounds it), so a token
signed on a session's first page validates exactly as a fresh one would on its
hundredth. Each worker keeps the token it signed for the latest ``MAX_KEPT``
session secrets and gives the kept page that one, leaving it in ``g`` where
``generate_csrf`` looks first (its documented per-request cache). Only the kept page
asks: other pages cost far more than the signing, and their forms ask Flask-WTF
directly.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

from portal.recently_used import RecentlyUsed

MAX_KEPT = 4096

#: (signing key, session secret) -> the signed token
_kept = RecentlyUsed(MAX_KEPT)


def csrf_token() -> str:
    """``flask_wtf.csrf.generate_csrf()``, reusing the token this worker signed for the
    same session secret under the same key."""
    app = current_app._get_current_object()
    cookie_session = session._get_current_object()
    config = app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = cookie_session.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None or not isinstance(secret, str):
        # A token that expires carries the time it was signed: signed afresh each time.
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, secret)
    if field not in g:
        kept = _kept.get(key)
        if kept is not None:
            # Where generate_csrf would find it for the rest of the request.
            setattr(g, field, kept)
            return kept
    token = generate_csrf()
    # Kept only when signed over this secret: the session still holds it.
    if cookie_session.get(field) == secret:
        _kept.put(key, token)
    return token


def check_unsafe_methods(app: Flask, csrf: CSRFProtect) -> None:
    """Check the CSRF token of every POST, PUT, PATCH and DELETE (``WTF_CSRF_METHODS``), in
    the place of Flask-WTF's own hook (``WTF_CSRF_CHECK_DEFAULT = False``).

    Flask-WTF's hook looked the view up for exemptions before it looked at the method, so
    every GET paid for a check it then skipped (seven proxy lookups and a string built:
    2 % of a kept firm page, issue 15). The portal exempts no view; exemptions are still
    honoured, as ``protect`` applies them.
    """

    @app.before_request
    def check_csrf_token():
        config = current_app.config
        if config["WTF_CSRF_ENABLED"] and request.method in config["WTF_CSRF_METHODS"]:
            csrf.protect(apply_exemptions=True)
