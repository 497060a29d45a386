"""The outbox (SPEC "Email"): written with the change, delivered with retries, never twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import UserSession
from portal.extensions import db
from portal.mail import Attachment, deliver_outbox, queue_email
from portal.outbox.models import OutboxMessage, OutboxStatus
from tests.conftest import free_port, login_as, outbox


def queue(number: int = 1, **extra):
    for index in range(number):
        queue_email(
            [f"person{index}@example.com"],
            "password_reset",
            f"Message {index}",
            user=extra.get("user")
            or type("U", (), {"full_name": "Pat", "email": "p@example.com", "timezone": "UTC"})(),
            link=f"http://portal.test/password/reset/token{index}",
            expires_at=datetime(2026, 1, 1, tzinfo=UTC),
            attachments=extra.get("attachments"),
        )


def test_a_rolled_back_change_sends_nothing(app):
    queue()
    db.session.rollback()
    assert outbox() == []


def test_delivery_reaches_the_smtp_server_with_both_parts_and_attachments(app, smtp):
    queue(attachments=[Attachment("meeting.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
    db.session.commit()
    report = deliver_outbox()
    assert report.sent == 1
    (message,) = smtp.wait_for(1)
    assert message["Subject"] == "Message 0"
    assert message["To"] == "person0@example.com"
    kinds = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in kinds and "text/html" in kinds and "text/calendar" in kinds
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "http://portal.test/password/reset/token0" in body
    assert outbox()[0].status == OutboxStatus.SENT


def test_mail_queued_while_the_server_is_down_is_delivered_once_it_is_back(
    make_app, smtp, time_machine
):
    time_machine.move_to(datetime(2026, 2, 1, 8, 0, tzinfo=UTC), tick=False)
    down = make_app(MAIL_PORT=free_port())
    with down.app_context():
        queue(3)
        db.session.commit()
        report = deliver_outbox()
        assert report.retrying == 3 and report.sent == 0
        rows = outbox()
        assert all(r.status == OutboxStatus.QUEUED and r.attempts == 1 for r in rows)
        assert all("Connection refused" in r.last_error or r.last_error for r in rows)
        assert deliver_outbox().retrying == 0  # not due again yet: backoff
    up = make_app()
    with up.app_context():
        assert deliver_outbox().sent == 0
        time_machine.shift(timedelta(minutes=1, seconds=1))
        assert deliver_outbox().sent == 3
        assert deliver_outbox().sent == 0
        assert len(smtp.wait_for(3)) == 3
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()


def test_a_message_that_keeps_failing_is_marked_failed_and_can_be_retried(make_app, time_machine):
    time_machine.move_to(datetime(2026, 2, 1, 8, 0, tzinfo=UTC), tick=False)
    down = make_app(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    with down.app_context():
        queue()
        db.session.commit()
        for _ in range(3):
            deliver_outbox()
            time_machine.shift(timedelta(hours=1))
        (message,) = outbox()
        assert message.status == OutboxStatus.FAILED and message.attempts == 3
        client = down.test_client()
        from tests import factories

        admin = factories.user(factories.Role.FDA_ADMIN)
        db.session.commit()
        login_as(client, admin)
        down.config["WTF_CSRF_ENABLED"] = False
        client.post(f"/admin/outbox/{message.public_id}/retry")
        db.session.refresh(message)
        assert message.status == OutboxStatus.QUEUED and message.attempts == 0
        db.session.execute(OutboxMessage.__table__.delete())
        # The page view above is in the audit log, and sign-ins are sessions: both name people.
        db.session.execute(AuditEvent.__table__.delete())
        db.session.execute(UserSession.__table__.delete())
        db.session.execute(factories.User.__table__.delete())
        db.session.commit()


def test_two_senders_at_once_deliver_each_message_exactly_once(app, smtp):
    queue(40)
    db.session.commit()
    reports = []

    def sender():
        with app.app_context():
            reports.append(deliver_outbox())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 40
    received = smtp.wait_for(40)
    subjects = sorted(m["Subject"] for m in received)
    assert subjects == sorted(f"Message {i}" for i in range(40))
    sent = db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))
    assert sent == 40


def test_the_command_reports_what_it_did(app, runner, smtp):
    queue(2)
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0
    assert "sent 2, retrying later 0, failed 0" in result.output


def test_development_outbox_shows_clickable_links(app, client, fda_admin):
    queue()
    db.session.commit()
    login_as(client, fda_admin)
    (message,) = outbox()
    page = client.get(f"/admin/outbox/{message.public_id}").get_data(as_text=True)
    link = "http://portal.test/password/reset/token0"
    assert f'<a href="{link}">{link}</a>' in page


def test_production_outbox_hides_bodies(make_app, database_url):
    app = make_app(MAIL_DEV_VIEWER=False)
    from tests import factories

    with app.app_context():
        queue()
        admin = factories.user(factories.Role.FDA_ADMIN)
        db.session.commit()
        client = app.test_client()
        login_as(client, admin)
        (message,) = outbox()
        page = client.get(f"/admin/outbox/{message.public_id}").get_data(as_text=True)
        assert "token0" not in page
        assert "shown only in development" in page
        db.session.execute(OutboxMessage.__table__.delete())
        # The page view above is in the audit log, and sign-ins are sessions: both name people.
        db.session.execute(AuditEvent.__table__.delete())
        db.session.execute(UserSession.__table__.delete())
        db.session.execute(factories.User.__table__.delete())
        db.session.commit()


def test_production_keeps_no_personal_links_after_delivery(make_app, smtp):
    app = make_app(MAIL_KEEP_BODIES=False)
    with app.app_context():
        queue(attachments=[Attachment("meeting.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
        db.session.commit()
        assert deliver_outbox().sent == 1
        (message,) = outbox()
        assert "token0" not in message.body_text + message.body_html
        assert message.attachments == "[]" and message.subject == "Message 0"
        assert "token0" in smtp.wait_for(1)[0].get_body(preferencelist=("plain",)).get_content()
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()
