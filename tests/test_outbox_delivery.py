"""Delivery per recipient and SMTP timeouts (SPEC "Email"; issue 9 items 2 and 3).

Against real aiosmtpd servers that refuse chosen recipients or answer slowly,
and a socket server that never answers.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail import KEPT_IN_OUTBOX, deliver_outbox, queue_email
from portal.outbox.models import DeliveryStatus, OutboxDelivery, OutboxMessage, OutboxStatus
from tests import factories
from tests.conftest import _empty_all_tables, login_as, outbox
from tests.e2e.smtp_servers import SilentServer, SmtpServer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue_pair(number: int = 1, recipients=("ada@fda.example.gov", "sam@fda.example.gov")):
    """Messages to two people, like "invitation decided" to the FDA admin and staff."""
    for index in range(number):
        queue_email(
            list(recipients),
            "password_reset",
            f"Notice {index}",
            user=type("U", (), {"full_name": "Pat", "email": "p@example.com", "timezone": "UTC"})(),
            link=f"http://portal.test/password/reset/token{index}",
            expires_at=START,
        )
    db.session.commit()


def point_at(app, server, **config) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, **config)


def deliveries(message: OutboxMessage) -> dict[str, OutboxDelivery]:
    db.session.refresh(message)
    return {d.address: d for d in message.deliveries}


def test_a_message_is_sent_only_when_every_recipient_is_accepted(app, time_machine):
    time_machine.move_to(START, tick=False)
    queue_pair()
    with SmtpServer(every_second=451) as server:
        point_at(app, server)
        report = deliver_outbox()
        assert (report.sent, report.retrying) == (0, 1)
        (message,) = outbox()
        assert message.status == OutboxStatus.QUEUED and message.sent_at is None
        rows = deliveries(message)
        assert rows["ada@fda.example.gov"].status == DeliveryStatus.ACCEPTED
        waiting = rows["sam@fda.example.gov"]
        assert waiting.status == DeliveryStatus.PENDING and waiting.reply_code == 451
        assert "451 4.3.0" in waiting.reply
        assert deliver_outbox().retrying == 0, "not due again before the backoff"
        time_machine.shift(timedelta(minutes=1, seconds=1))
        assert deliver_outbox().sent == 1
        db.session.refresh(message)
        assert message.status == OutboxStatus.SENT
        assert set(server.copies().values()) == {1}, "each recipient served exactly once"
        assert set(server.copies()) == {
            ("ada@fda.example.gov", "Notice 0"),
            ("sam@fda.example.gov", "Notice 0"),
        }


def test_six_two_recipient_messages_reach_all_twelve_recipients_once_each(app, time_machine):
    """The issue's measurement: a server refusing every second recipient with 451."""
    time_machine.move_to(START, tick=False)
    queue_pair(6)
    with SmtpServer(every_second=451) as server:
        point_at(app, server)
        for _ in range(10):
            deliver_outbox()
            time_machine.shift(timedelta(hours=1))
        copies = server.copies()
        assert len(copies) == 12 and set(copies.values()) == {1}
        assert server.refusals, "the server did refuse some recipients"
        assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_a_permanent_refusal_fails_that_recipient_with_the_servers_reply(
    app, client, fda_admin, time_machine
):
    time_machine.move_to(START, tick=False)
    queue_pair()
    with SmtpServer(refuse={"sam@fda.example.gov": 550}) as server:
        point_at(app, server)
        report = deliver_outbox()
        assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
        (message,) = outbox()
        assert message.status == OutboxStatus.FAILED
        rows = deliveries(message)
        assert rows["ada@fda.example.gov"].status == DeliveryStatus.ACCEPTED
        refused = rows["sam@fda.example.gov"]
        assert refused.status == DeliveryStatus.FAILED and refused.reply_code == 550
        assert refused.reply == "550 5.1.1 No such user here"
        time_machine.shift(timedelta(hours=2))
        assert deliver_outbox().sent == 0, "a permanent refusal is not retried by itself"
        assert [r.recipients for r in server.received] == [["ada@fda.example.gov"]]

    login_as(client, fda_admin)
    index = client.get("/admin/outbox").get_data(as_text=True)
    assert "1 message was not delivered to every recipient" in index
    assert "sam@fda.example.gov: <strong>not delivered</strong>" in index
    assert "550 5.1.1 No such user here" in index
    detail = client.get(f"/admin/outbox/{message.public_id}").get_data(as_text=True)
    assert "Not delivered" in detail and "550 5.1.1 No such user here" in detail


def test_trying_a_failed_message_again_sends_it_only_to_those_not_served(
    app, no_csrf, client, fda_admin, time_machine
):
    time_machine.move_to(START, tick=False)
    queue_pair()
    with SmtpServer(refuse={"sam@fda.example.gov": 553}) as refusing:
        point_at(app, refusing)
        deliver_outbox()
    (message,) = outbox()
    login_as(client, fda_admin)
    client.post(f"/admin/outbox/{message.public_id}/retry")
    assert deliveries(message)["sam@fda.example.gov"].status == DeliveryStatus.PENDING
    with SmtpServer() as fixed:
        point_at(app, fixed)
        assert deliver_outbox().sent == 1
        assert [r.recipients for r in fixed.received] == [["sam@fda.example.gov"]]
        # The text still names both people: only the envelope leaves the served one out.
        assert "ada@fda.example.gov" in fixed.received[0].message["To"]


def test_a_recipient_refused_for_now_until_the_last_attempt_is_failed(app, time_machine):
    time_machine.move_to(START, tick=False)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue_pair()
    with SmtpServer(refuse={"sam@fda.example.gov": 452}) as server:
        point_at(app, server)
        for _ in range(3):
            deliver_outbox()
            time_machine.shift(timedelta(hours=1))
        (message,) = outbox()
        assert message.status == OutboxStatus.FAILED and message.attempts == 3
        refused = deliveries(message)["sam@fda.example.gov"]
        assert refused.status == DeliveryStatus.FAILED and refused.attempts == 3
        assert refused.reply.startswith("Gave up after 3 attempts. 452 4.2.2")
        assert server.copies()[("ada@fda.example.gov", "Notice 0")] == 1


def test_a_silent_server_ends_the_run_within_the_timeout(app, time_machine):
    time_machine.move_to(START, tick=False)
    queue_pair(3)
    with SilentServer() as server:
        point_at(app, server, MAIL_TIMEOUT=1)
        began = time.monotonic()
        report = deliver_outbox()
        took = time.monotonic() - began
    assert took < 5, f"the run took {took:.1f} s against a 1 s timeout"
    assert report.retrying == 3
    rows = outbox()
    assert all(m.status == OutboxStatus.QUEUED and m.claimed_until is None for m in rows)
    assert all("timed out" in m.last_error for m in rows)
    assert all(m.attempts == 1 for m in rows)
    waiting = [d for m in rows for d in m.deliveries]
    assert all(d.status == DeliveryStatus.PENDING for d in waiting)
    assert all(d.attempts == 0 and "timed out" in d.reply for d in waiting), "never offered"
    with SmtpServer() as working:
        point_at(app, working, MAIL_TIMEOUT=30)
        time_machine.shift(timedelta(minutes=1, seconds=1))
        assert deliver_outbox().sent == 3
        assert len(working.copies()) == 6


def test_a_run_hung_mid_message_holds_only_that_message(app, make_app, time_machine):
    """While one sender waits on a server that stalls, another delivers everything else."""
    queue_pair(5)
    with SmtpServer(data_delay=60) as stalling, SmtpServer() as working:
        hung_app = make_app(MAIL_PORT=stalling.port, MAIL_TIMEOUT=2)
        app.config.update(MAIL_PORT=working.port)
        hung_reports = []

        def hung_sender():
            with hung_app.app_context():
                started = time.monotonic()
                hung_reports.append((deliver_outbox(), time.monotonic() - started))
                db.session.remove()

        thread = threading.Thread(target=hung_sender)
        began = time.monotonic()
        thread.start()
        # Wait until the stalling sender holds its message.
        while not db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.SENDING)
        ):
            assert time.monotonic() - began < 10
            time.sleep(0.05)
            db.session.commit()
        held = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
        ).all()
        assert len(held) == 1
        # The claim runs out soon after the transaction's own limit, not 10 minutes later.
        assert held[0].claimed_until - datetime.now(UTC) < timedelta(seconds=2 * (2 + 6) + 1)
        assert deliver_outbox().sent == 4
        thread.join(timeout=60)
        assert not thread.is_alive()
    ((report, took),) = hung_reports
    assert took < 30, f"the stalled run took {took:.1f} s: it waited for the server"
    assert report.retrying == 1 and report.sent == 0
    db.session.commit()
    stuck = db.session.get(OutboxMessage, held[0].id)
    assert stuck.status == OutboxStatus.QUEUED and stuck.claimed_until is None
    assert "Connection lost" in stuck.last_error
    assert len(working.copies()) == 8


def test_the_timeout_is_a_setting_with_a_default_of_30_seconds(app):
    from portal.config import Config

    assert Config.MAIL_TIMEOUT == 30
    assert app.config["MAIL_TIMEOUT"] == 30


# --- development: messages do not stay "Queued" ---------------------------------------------


@pytest.fixture
def development(make_app):
    dev = make_app(PORTAL_ENV="development")
    with dev.app_context():
        yield dev
        db.session.rollback()
        # Page views are audited and sign-ins are session records: both name people.
        _empty_all_tables()


def test_in_development_a_message_is_kept_in_the_outbox_and_reads_as_sent(development):
    queue_pair()
    (message,) = outbox()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert {d.status for d in message.deliveries} == {DeliveryStatus.ACCEPTED}
    assert {d.reply for d in message.deliveries} == {KEPT_IN_OUTBOX}
    assert "token0" in message.body_text, "the text stays readable, with its links"
    admin = factories.user(factories.Role.FDA_ADMIN)
    db.session.commit()
    client = development.test_client()
    login_as(client, admin)
    index = client.get("/admin/outbox").get_data(as_text=True)
    assert "In development no email leaves this computer" in index
    assert "usa-tag--success" in index and ">Sent<" in index
    detail = client.get(f"/admin/outbox/{message.public_id}").get_data(as_text=True)
    link = "http://portal.test/password/reset/token0"
    assert f'<a href="{link}">{link}</a>' in detail


def test_in_development_mail_send_moves_older_queued_messages_into_the_outbox(development):
    development.config["MAIL_TRANSPORT"] = "smtp"
    queue_pair(2)
    development.config["MAIL_TRANSPORT"] = "outbox"
    assert {m.status for m in outbox()} == {OutboxStatus.QUEUED}
    result = development.test_cli_runner().invoke(args=["mail", "send"])
    assert "sent 2, retrying later 0, failed 0" in result.output
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_production_never_keeps_mail_in_the_outbox_by_default(make_app):
    from portal.config import CONFIGS

    assert CONFIGS["production"].MAIL_TRANSPORT == "smtp"
    assert CONFIGS["testing"].MAIL_TRANSPORT == "smtp"
    assert CONFIGS["development"].MAIL_TRANSPORT == "outbox"


def test_a_message_that_cannot_be_built_is_failed_and_the_run_goes_on(app):
    queue_pair(1, recipients=["josé@example.com"])
    queue_pair(1, recipients=["ada@fda.example.gov"])
    with SmtpServer() as server:
        point_at(app, server)
        report = deliver_outbox()
        assert (report.sent, report.failed) == (1, 1)
        bad, good = outbox()
        assert bad.status == OutboxStatus.FAILED and bad.claimed_until is None
        (refused,) = bad.deliveries
        assert refused.reply.startswith("The message could not be built: 'ascii' codec")
        assert good.status == OutboxStatus.SENT
        assert [item.recipients for item in server.received] == [["ada@fda.example.gov"]]
