"""Message notices (SPEC 14, SPEC "Email"): immediate or a daily digest, each sent once.

An email names the engagement and links to it; the message stays in the portal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.messages import services
from portal.messages.models import MessageDigest, NoticeMode
from tests import factories_feedback as ff
from tests import factories_messages as fm
from tests.conftest import csrf_token_from, login_as, outbox

SECRET = "Lot 4471 failed endotoxin twice"


@pytest.fixture
def alpha(app):
    people = ff.engagement_with_people()
    db.session.commit()
    return people


def _recipients(template: str) -> list[str]:
    return sorted(m.recipients for m in outbox(template))


def test_a_firm_message_tells_fda_and_colleagues_at_once_naming_the_engagement(app, alpha):
    services.post_message(alpha.engagement, SECRET, by=alpha.admin)
    db.session.commit()
    emails = outbox("messages_new")
    # No FDA person has written in the thread yet: the program managers hear of it
    # (none here), so the firm's other users are told; FDA joins once it writes.
    assert [m.recipients for m in emails] == [alpha.staff[0].email]
    services.post_message(alpha.engagement, "FDA answers.", by=alpha.fda)
    services.post_message(alpha.engagement, SECRET + " again", by=alpha.admin)
    db.session.commit()
    assert alpha.fda.email in _recipients("messages_new")
    site = alpha.engagement.site
    for email in outbox("messages_new"):
        assert site.legal_name in email.subject and site.fei_number in email.body_text
        assert str(alpha.engagement.public_id) in email.body_text
        assert "/messages" in email.body_html
        assert SECRET not in email.subject + email.body_text + email.body_html
        assert "FDA answers" not in email.body_text


def test_program_managers_hear_of_a_thread_no_fda_person_has_joined(app, alpha):
    from portal.auth.models import Role
    from tests import factories

    manager = factories.user(Role.FDA_ADMIN, email="manager@fda.example.gov")
    db.session.commit()
    services.post_message(alpha.engagement, "Hello FDA", by=alpha.admin)
    db.session.commit()
    assert manager.email in _recipients("messages_new")


def test_the_notice_is_queued_in_the_messages_transaction(app, alpha):
    services.post_message(alpha.engagement, "Never saved", by=alpha.fda)
    db.session.rollback()
    assert outbox("messages_new") == []


def test_firm_links_go_to_the_firm_page_and_fda_links_to_fdas(app, alpha):
    services.post_message(alpha.engagement, "From FDA", by=alpha.fda)
    services.post_message(alpha.engagement, "From the firm", by=alpha.admin)
    db.session.commit()
    by_person = {m.recipients: m.body_text for m in outbox("messages_new")}
    assert (
        f"/firm/engagements/{alpha.engagement.public_id}/messages" in by_person[alpha.admin.email]
    )
    fda_text = by_person[alpha.fda.email]
    assert f"/engagements/{alpha.engagement.public_id}/messages" in fda_text
    assert "/firm/" not in fda_text


def test_who_chose_the_digest_gets_no_immediate_notice(app, alpha):
    services.set_notice_mode(alpha.staff[0], "digest")
    services.post_message(alpha.engagement, "Hello", by=alpha.fda)
    db.session.commit()
    assert _recipients("messages_new") == [alpha.admin.email]


def test_the_preference_is_chosen_on_the_account_pages(app, alpha):
    client = app.test_client()
    login_as(client, alpha.admin)
    assert "message-notices" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/message-notices").get_data(as_text=True)
    assert 'value="immediate" checked' in page or "checked" in page
    token = csrf_token_from(page)
    bad = client.post("/account/message-notices", data={"mode": "weekly", "csrf_token": token})
    assert bad.status_code == 200 and 'id="mode-error"' in bad.get_data(as_text=True)
    response = client.post("/account/message-notices", data={"mode": "digest", "csrf_token": token})
    assert response.status_code == 302
    assert services.notice_mode(alpha.admin) == NoticeMode.DIGEST


def _digest(runner) -> str:
    result = runner.invoke(args=["messages", "digest"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_digest_goes_once_a_day_however_often_the_command_runs(
    app, alpha, runner, time_machine
):
    time_machine.move_to(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False)
    services.set_notice_mode(alpha.admin, "digest")
    fm.message(alpha.engagement, alpha.fda, SECRET)
    db.session.commit()
    assert "1 digest queued" in _digest(runner)
    assert "0 digests queued" in _digest(runner)
    time_machine.move_to(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), tick=False)
    fm.message(alpha.engagement, alpha.fda, "Later the same day")
    db.session.commit()
    assert "0 digests queued" in _digest(runner)
    digests = outbox("messages_digest")
    assert [m.recipients for m in digests] == [alpha.admin.email]
    assert alpha.engagement.site.legal_name in digests[0].body_text
    assert f"/firm/engagements/{alpha.engagement.public_id}/messages" in digests[0].body_text
    assert SECRET not in digests[0].body_text + digests[0].body_html

    time_machine.move_to(datetime(2026, 3, 3, 14, 0, tzinfo=UTC), tick=False)
    assert "1 digest queued" in _digest(runner)  # the message after yesterday's digest
    assert "0 digests queued" in _digest(runner)
    time_machine.move_to(datetime(2026, 3, 4, 14, 0, tzinfo=UTC), tick=False)
    assert "0 digests queued" in _digest(runner)  # nothing new since
    assert db.session.scalar(select(func.count()).select_from(MessageDigest)) == 2


def test_a_read_thread_is_left_out_of_the_digest(app, alpha, runner):
    services.set_notice_mode(alpha.admin, "digest")
    fm.message(alpha.engagement, alpha.fda, "Seen already")
    db.session.commit()
    services.mark_read(alpha.engagement, alpha.admin, at=datetime.now(UTC) + timedelta(seconds=1))
    db.session.commit()
    assert "0 digests queued" in _digest(runner)


def test_a_claimed_day_is_not_claimed_again(app, alpha):
    """The unique key is what holds when two runs race past the first check."""
    from sqlalchemy.exc import IntegrityError

    from portal.timeutil import to_local, utcnow

    day = to_local(utcnow(), alpha.admin.timezone).date()
    db.session.add(MessageDigest(user_id=alpha.admin.id, day=day, sent_at=utcnow()))
    db.session.commit()
    db.session.add(MessageDigest(user_id=alpha.admin.id, day=day, sent_at=utcnow()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_digest_runs_at_once_send_one_digest(app, alpha, monkeypatch):
    """Both runs find something new, then both claim: the unique key lets one through."""
    import threading

    from portal.auth.models import User
    from portal.messages import digest
    from portal.security.tenancy import program_scope
    from portal.timeutil import utcnow
    from tests.test_feedback_concurrency import _first_call_waits, _run_together

    services.set_notice_mode(alpha.admin, "digest")
    fm.message(alpha.engagement, alpha.fda, "Hello")
    db.session.commit()
    person_id, now = alpha.admin.id, utcnow()
    _first_call_waits(monkeypatch, digest, "_new_threads", threading.Barrier(2))
    results: list[bool] = []

    def run(_index: int) -> None:
        with program_scope(db.session):
            results.append(digest.queue_digest(db.session.get(User, person_id), now))
            db.session.commit()

    errors = _run_together(app, run)
    assert not errors, errors
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(MessageDigest)) == 1
    assert len(outbox("messages_digest")) == 1
