"""Your sessions: each sign-in is a server-side record that can be signed out on its own."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth import sessions
from portal.auth.models import UserSession
from portal.extensions import db
from tests import factories

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def sign_in_as_browser(app, user, agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def records(user):
    db.session.expire_all()
    return db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()


def test_account_page_lists_each_signed_in_browser(app, firm_admin, no_csrf):
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    sign_in_as_browser(app, firm_admin, SAFARI)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Windows <strong>(this browser)</strong>" in page
    assert "Safari on iOS" in page
    assert "Sign out all other sessions" in page


def test_sign_out_one_session_ends_only_that_one(app, firm_admin, no_csrf):
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    phone = sign_in_as_browser(app, firm_admin, SAFARI)
    phone_record = records(firm_admin)[1]
    response = laptop.post("/account/sessions/end", data={"session": str(phone_record.public_id)})
    assert response.status_code == 302
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200
    assert [r.ended_at is None for r in records(firm_admin)] == [True, False]


def test_sign_out_all_others_keeps_this_one(app, firm_admin, no_csrf):
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    others = [sign_in_as_browser(app, firm_admin, SAFARI) for _ in range(2)]
    assert laptop.post("/account/sessions/end-others").status_code == 302
    assert laptop.get("/account").status_code == 200
    assert all(o.get("/account").status_code == 302 for o in others)
    assert [r.ended_at is None for r in records(firm_admin)] == [True, False, False]


def test_another_persons_session_cannot_be_ended(app, firm_admin, other_firm_admin, no_csrf):
    theirs = sign_in_as_browser(app, other_firm_admin, SAFARI)
    mine = sign_in_as_browser(app, firm_admin, FIREFOX)
    their_record = records(other_firm_admin)[0]
    response = mine.post("/account/sessions/end", data={"session": str(their_record.public_id)})
    assert response.status_code == 302
    assert theirs.get("/account").status_code == 200
    for garbage in ("", "not-a-uuid", "\x00"):
        assert mine.post("/account/sessions/end", data={"session": garbage}).status_code == 302
    assert records(other_firm_admin)[0].ended_at is None


def test_session_version_still_ends_every_record(app, firm_admin, no_csrf):
    """Sign-out raises the session version (every cookie dies) and closes every record."""
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    sign_in_as_browser(app, firm_admin, SAFARI)
    laptop.post("/logout")
    assert all(r.ended_at is not None for r in records(firm_admin))


def test_a_cookie_without_a_live_record_is_refused(app, firm_admin, no_csrf):
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    with laptop.session_transaction() as cookie:
        cookie.pop(sessions.SESSION_KEY)
    assert laptop.get("/account").status_code == 302


def test_device_labels():
    assert sessions.device_label(FIREFOX) == "Firefox on Windows"
    assert sessions.device_label(SAFARI) == "Safari on iOS"
    assert sessions.device_label("") == "Unknown browser"


def test_sessions_past_their_timeout_are_not_listed(app, firm_admin, no_csrf, time_machine):
    from datetime import UTC, datetime, timedelta

    time_machine.move_to(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
    sign_in_as_browser(app, firm_admin, SAFARI)
    time_machine.shift(timedelta(minutes=16))
    laptop = sign_in_as_browser(app, firm_admin, FIREFOX)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Windows" in page and "Safari on iOS" not in page


def test_a_page_marks_its_session_seen_at_most_once_a_minute(
    app, firm_admin, no_csrf, time_machine
):
    # Writing "last seen" on every page made each page a write and a commit (issue 15);
    # the mark still moves on, a minute at a time, and an ended record still signs out.
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event

    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    browser = sign_in_as_browser(app, firm_admin, FIREFOX)
    writes = []

    def note_write(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE USER_SESSION"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", note_write)
    try:
        time_machine.shift(timedelta(seconds=30))
        assert browser.get("/firm").status_code == 200
        assert browser.get("/account").status_code == 200
        assert writes == []
        assert records(firm_admin)[0].last_seen_at == start
        time_machine.shift(timedelta(seconds=31))
        assert browser.get("/firm").status_code == 200
        assert len(writes) == 1
        assert records(firm_admin)[0].last_seen_at == start + timedelta(seconds=61)
    finally:
        event.remove(db.engine, "before_cursor_execute", note_write)
    sessions._end((sessions.UserSession.user_id == firm_admin.id,), start)
    db.session.commit()
    assert browser.get("/firm").status_code == 302
