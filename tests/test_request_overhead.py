"""What every page does for every request, done with less work (issue 15), and no less
safely: the session cookie checked once per distinct cookie, the kept page's CSRF token
signed once per session, the security headers set in one pass, a token's shape checked
by a pattern, and Flask's coroutine question answered from the code's flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from portal.security import form_tokens
from portal.security.tokens import looks_like_token, new_token

COOKIE = "sep_session"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
    return time_machine


def _cookie(app, contents: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(contents)


def _opened(app, value: str) -> dict:
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={value}"}) as context:
        return dict(app.session_interface.open_session(app, context.request))


# -- the session cookie ------------------------------------------------------------------


def test_a_cookie_opened_before_opens_again_with_the_same_contents(app):
    value = _cookie(app, {"_user_id": "abc:1", "seen_at": 12.5, "_fresh": True})
    assert _opened(app, value) == {"_user_id": "abc:1", "seen_at": 12.5, "_fresh": True}
    assert _opened(app, value) == {"_user_id": "abc:1", "seen_at": 12.5, "_fresh": True}


def test_a_changed_cookie_opens_empty_even_after_the_real_one_was_opened(app):
    value = _cookie(app, {"_user_id": "abc:1"})
    assert _opened(app, value)
    payload, signature = value.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert _opened(app, forged) == {}
    altered = ("B" if payload[1] != "B" else "C").join((payload[:1], payload[2:]))
    assert _opened(app, altered + "." + signature) == {}


def test_a_kept_cookie_expires_as_a_checked_one_does(app, clock):
    value = _cookie(app, {"_user_id": "abc:1"})
    assert _opened(app, value)
    lifetime = app.permanent_session_lifetime
    clock.shift(lifetime - timedelta(seconds=1))
    assert _opened(app, value)
    clock.shift(timedelta(seconds=2))
    assert _opened(app, value) == {}


def test_a_kept_cookie_no_longer_opens_once_the_key_changes(app):
    value = _cookie(app, {"_user_id": "abc:1"})
    assert _opened(app, value)
    old_key = app.secret_key
    app.secret_key = "another key entirely, rotated by the operator"
    try:
        assert _opened(app, value) == {}
        # Unless the old key is still accepted, as Flask accepts it.
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert _opened(app, value) == {"_user_id": "abc:1"}
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_what_one_request_changes_in_its_session_is_not_what_the_next_opens(app):
    plain = _cookie(app, {"_user_id": "abc:1"})
    with_list = _cookie(app, {"_flashes": [["info", "Saved."]]})
    for value in (plain, with_list):
        first = None
        with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={value}"}) as context:
            first = app.session_interface.open_session(app, context.request)
            first["_user_id"] = "someone else:9"
            first.setdefault("_flashes", []).append(["error", "Not yours."])
        again = _opened(app, value)
        assert again.get("_user_id") != "someone else:9"
        assert ["error", "Not yours."] not in again.get("_flashes", [])


# -- the kept page's CSRF token ----------------------------------------------------------


def _token_for(app, secret: str) -> str:
    # A context of its own, as each request has under a server: a fresh ``g``.
    with app.app_context(), app.test_request_context("/"):
        session["csrf_token"] = secret
        return form_tokens.csrf_token()


def test_the_kept_token_is_signed_once_for_a_session_and_validates(app, clock):
    first = _token_for(app, "a" * 40)
    clock.shift(timedelta(seconds=5))
    # Signed afresh, the timestamp inside would differ five seconds later.
    assert _token_for(app, "a" * 40) == first
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        validate_csrf(first)


def test_another_sessions_token_is_its_own_and_fails_for_the_first(app):
    mine = _token_for(app, "a" * 40)
    theirs = _token_for(app, "b" * 40)
    assert mine != theirs
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        with pytest.raises(ValidationError):
            validate_csrf(theirs)


def test_tokens_that_expire_are_signed_afresh(app, clock):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    try:
        first = _token_for(app, "c" * 40)
        clock.shift(timedelta(seconds=5))
        assert _token_for(app, "c" * 40) != first
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = None


# -- headers, token shapes, coroutine functions -----------------------------------------


def test_each_security_header_is_sent_once_and_a_views_own_is_kept(make_app):
    from portal.security import access

    app = make_app()

    @app.route("/_own_policy")
    @access.public
    def own_policy():
        return "file", 200, {"Content-Security-Policy": "sandbox", "Pragma": "private"}

    response = app.test_client().get("/_own_policy")
    headers = response.headers
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "Cache-Control",
        "Pragma",
    ):
        assert len(headers.getlist(name)) == 1, name
    assert headers["Content-Security-Policy"] == "sandbox"
    assert headers["Pragma"] == "private"
    assert headers["Cache-Control"] == "no-store"


def test_a_token_shape_is_url_safe_base64_of_a_sensible_length():
    assert looks_like_token(new_token())
    assert looks_like_token("a" * 20) and looks_like_token("Z-_9" * 25)
    assert not looks_like_token("a" * 19)
    assert not looks_like_token("a" * 101)
    assert not looks_like_token("a" * 30 + "=")
    assert not looks_like_token("é" * 30)  # a letter, but never in a token the portal made
    assert not looks_like_token("a" * 30 + "\n")


def test_plain_functions_run_as_they_are_and_coroutine_functions_do_not(app):
    def plain():
        return "plain"

    async def coroutine():
        return "coroutine"

    assert app.ensure_sync(plain) is plain
    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError as error:  # Flask without its "async" extra says so
        assert "async" in str(error)
    else:
        assert wrapped is not coroutine


# -- the end of a request's transaction -------------------------------------------------


def test_a_servers_request_leaves_what_its_view_did_not_commit_to_the_contexts_end(
    make_app, database_url, firm_a
):
    # Issue 15: a request with an application context of its own (every request under a
    # server) does not roll back in its teardown; the context's end removes the session,
    # which gives the connection back rolled back. Nothing half done survives, and no
    # lock is left behind for the next writer.
    from sqlalchemy import create_engine, event, select, text, update

    from portal.auth.models import Firm
    from portal.extensions import db
    from portal.security import access

    db.session.commit()
    firm_id, name = firm_a.id, firm_a.name
    own = make_app()

    @own.route("/_half_done")
    @access.public
    def half_done():
        db.session.get(Firm, firm_id).name = "Never saved"
        db.session.flush()
        return "flushed, not committed"

    rollbacks = []
    with own.app_context():
        event.listen(db.session, "after_soft_rollback", lambda *_: rollbacks.append(1))
    # The test's own application context belongs to another app: the request pushes its own.
    assert own.test_client().get("/_half_done").status_code == 200
    assert rollbacks == []

    elsewhere = create_engine(database_url)
    try:
        with elsewhere.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert connection.scalar(select(Firm.name).where(Firm.id == firm_id)) == name
            connection.execute(update(Firm).where(Firm.id == firm_id).values(name="Written"))
    finally:
        elsewhere.dispose()


# -- the CSRF check --------------------------------------------------------------------


@pytest.mark.fresh_app
def test_every_unsafe_method_needs_the_form_token_and_reading_needs_none(app, client, firm_admin):
    # Issue 15: the portal runs Flask-WTF's check itself, for the methods it checks, instead
    # of Flask-WTF's hook (which looked for exemptions on every GET first).
    from portal.security import access
    from tests.conftest import csrf_token_from, login_as

    @app.route("/_change", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @access.signed_in
    def change():
        return "done"

    login_as(client, firm_admin)
    assert client.get("/_change").status_code == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/_change", method=method).status_code == 400, method
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post("/_change", data={"csrf_token": token}).status_code == 200


def test_the_kept_values_drop_the_least_recently_used_first():
    from portal.recently_used import RecentlyUsed

    kept = RecentlyUsed(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "a" is now the most recently used
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
