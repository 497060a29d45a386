"""Email through the outbox (SPEC "Email").

`queue_email` renders a message and adds it to the current transaction, so a
change and the email it causes commit together or not at all. `deliver_outbox`
(the `flask mail send` command) sends what is due, one message at a time, and
records the server's answer for each recipient: accepted recipients are done
for good, temporary refusals (4xx) are retried with backoff, permanent ones
(5xx) are failed with the server's reply for the program manager to see. A
message is sent only when every recipient has been accepted. Every SMTP step
times out (MAIL_TIMEOUT), so a silent server ends a run instead of hanging it,
and two senders at once never send one message twice.

In development (MAIL_TRANSPORT=outbox) nothing leaves the machine: each message
is kept in the outbox, marked delivered there, to be read and clicked.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.outbox.models import DeliveryStatus, OutboxDelivery, OutboxMessage, OutboxStatus
from portal.outbox.smtp import ConnectionLost, Reply, ServerSettings, SmtpConnection
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: Time a sender keeps a claim beyond the transaction's own limit, to record the outcome.
CLAIM_MARGIN_STEPS = 2


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def queue_email(
    recipients: list[str] | str,
    template: str,
    subject: str,
    *,
    firm_id: int | None = None,
    attachments: list[Attachment] | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render ``emails/<template>.txt`` and ``.html`` and add the message to the session."""
    if isinstance(recipients, str):
        recipients = [recipients]
    context.setdefault("subject", subject)
    context.setdefault("contact_email", current_app.config["PROGRAM_CONTACT_EMAIL"])
    context.setdefault("portal_url", current_app.config["PORTAL_BASE_URL"])
    addresses = sorted({r.strip().lower() for r in recipients if r.strip()})
    message = OutboxMessage(
        recipients=",".join(addresses),
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        template=template,
        firm_id=firm_id,
        attachments=json.dumps(
            [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "data": base64.b64encode(a.data).decode("ascii"),
                }
                for a in attachments or []
            ]
        ),
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow(),
        deliveries=[
            OutboxDelivery(address=address, status=DeliveryStatus.PENDING, attempts=0, reply="")
            for address in addresses
        ],
    )
    db.session.add(message)
    if mail_transport() == "outbox":
        _keep_in_outbox(message)
    return message


TRANSPORTS = ("smtp", "outbox")


def mail_transport() -> str:
    """``smtp`` (production, tests) or ``outbox`` (development: keep, do not send)."""
    name = current_app.config.get("MAIL_TRANSPORT", "smtp")
    if name not in TRANSPORTS:
        raise ValueError(f"MAIL_TRANSPORT must be one of {', '.join(TRANSPORTS)}, not {name!r}")
    return name


KEPT_IN_OUTBOX = "Kept in the outbox (development): not sent by email."


def _keep_in_outbox(message: OutboxMessage) -> None:
    """The development transport: every recipient counts as served by the outbox page.

    The text is kept whatever MAIL_KEEP_BODIES says: the outbox page is where it is read.
    """
    now = utcnow()
    for delivery in message.deliveries:
        if delivery.status == DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.ACCEPTED
            delivery.reply = KEPT_IN_OUTBOX
            delivery.accepted_at = now
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.claimed_until = None
    message.last_error = ""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass
class DeliveryReport:
    """Messages finished (sent, failed) or put back for later (retrying) by one run."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _due(now):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        # A sender that died (or was killed) while holding a claim: the claim has run out.
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )


def _claim(limit: int, lifetime: timedelta) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for this sender, in the current transaction.

    On PostgreSQL the candidate rows are locked with SKIP LOCKED, so a second
    sender picks other rows instead of waiting; the conditional UPDATE makes the
    claim safe on SQLite too, where the database serializes writers.
    """
    now = utcnow()
    due = _due(now)
    candidates = db.session.scalars(
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for message_id in candidates:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due)
            .values(status=OutboxStatus.SENDING, claimed_until=now + lifetime)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .options(selectinload(OutboxMessage.deliveries))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        ).all()
    )


def _as_flask_mail(message: OutboxMessage) -> Message:
    flask_message = Message(
        subject=message.subject,
        recipients=message.recipient_list,
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    for item in json.loads(message.attachments or "[]"):
        flask_message.attach(
            filename=item["filename"],
            content_type=item["content_type"],
            data=base64.b64decode(item["data"]),
        )
    return flask_message


REMOVED_BODY = "(Delivered. The text is not kept after delivery: it may hold personal links.)"


def _pending(message: OutboxMessage) -> list[OutboxDelivery]:
    return [d for d in message.deliveries if d.status == DeliveryStatus.PENDING]


def _settle(message: OutboxMessage, report: DeliveryReport, error: str = "") -> None:
    """Decide the message's status from its recipients' and release the claim."""
    now = utcnow()
    message.claimed_until = None
    pending = _pending(message)
    if pending and message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        for delivery in pending:
            delivery.status = DeliveryStatus.FAILED
            delivery.reply = f"Gave up after {message.attempts} attempts. {delivery.reply}".strip()
        pending = []
    failed = message.failed_deliveries
    if pending:
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = now + backoff(message.attempts)
        waiting = "; ".join(f"{d.address}: {d.reply}" for d in pending)
        message.last_error = (error or f"Not yet accepted: {waiting}")[:1000]
        report.retrying += 1
    elif failed:
        message.status = OutboxStatus.FAILED
        refused = "; ".join(f"{d.address}: {d.reply}" for d in failed)
        total = len(message.deliveries)
        message.last_error = f"Not delivered to {len(failed)} of {total}: {refused}"[:1000]
        report.failed += 1
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = ""
        report.sent += 1
        if not current_app.config["MAIL_KEEP_BODIES"]:
            message.body_text = REMOVED_BODY
            message.body_html = REMOVED_BODY
            message.attachments = "[]"


def _record_replies(
    message: OutboxMessage, replies: dict[str, Reply], report: DeliveryReport, error: str = ""
) -> None:
    now = utcnow()
    message.attempts += 1
    for delivery in _pending(message):
        reply = replies.get(delivery.address)
        if reply is None:
            continue
        delivery.attempts += 1
        delivery.reply_code = reply.code
        delivery.reply = str(reply)[:1000]
        if reply.accepted:
            delivery.status = DeliveryStatus.ACCEPTED
            delivery.accepted_at = now
        elif reply.permanent:
            delivery.status = DeliveryStatus.FAILED
    _settle(message, report, error=error)


def _record_unreachable(message: OutboxMessage, error: str, report: DeliveryReport) -> None:
    """The server could not be reached: an attempt for the message, none for its recipients.

    The reason is kept on each waiting recipient, so the outbox page says why it waits.
    """
    message.attempts += 1
    for delivery in _pending(message):
        delivery.reply_code = None
        delivery.reply = error[:1000]
    _settle(message, report, error=error)


def _server_unreachable(error: Exception, report: DeliveryReport) -> None:
    """Count the failed attempt on every due message, so backoff and MAIL_MAX_ATTEMPTS apply."""
    text = f"Mail server unreachable: {type(error).__name__}: {error}"
    log.warning("%s", text)
    while True:
        messages = _claim(100, timedelta(minutes=1))
        if not messages:
            db.session.commit()
            return
        for message in messages:
            _record_unreachable(message, text, report)
        db.session.commit()


def _something_due() -> bool:
    due = db.session.scalar(select(exists().where(_due(utcnow()))))
    # End the read before any wait on the network, so no transaction stays open meanwhile.
    db.session.commit()
    return bool(due)


def _claim_lifetime(settings: ServerSettings, recipients: int) -> timedelta:
    margin = CLAIM_MARGIN_STEPS * settings.timeout
    return timedelta(seconds=SmtpConnection.time_needed(settings, recipients) + margin)


def _deliver_in_outbox(report: DeliveryReport) -> DeliveryReport:
    while messages := _claim(50, timedelta(minutes=1)):
        for message in messages:
            _keep_in_outbox(message)
            report.sent += 1
        db.session.commit()
    db.session.commit()
    return report


def _load(message_id: int) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .options(selectinload(OutboxMessage.deliveries))
        .execution_options(populate_existing=True)
    ).one()


def _send_next(connection: SmtpConnection, report: DeliveryReport) -> bool:
    """Claim the next due message and offer it to its pending recipients; False if none is due."""
    settings = connection.settings
    # The claim's lifetime needs the recipient count, known once the message is loaded.
    messages = _claim(1, _claim_lifetime(settings, 1))
    if not messages:
        db.session.commit()
        return False
    (message,) = messages
    pending = [d.address for d in _pending(message)]
    # The transaction's deadline is fixed here, inside the claim, not after the commit.
    deadline = time.monotonic() + SmtpConnection.time_needed(settings, len(pending))
    message.claimed_until = utcnow() + _claim_lifetime(settings, len(pending))
    try:
        data = _as_flask_mail(message).as_bytes()
    except Exception as error:  # noqa: BLE001 - a message that cannot be built never will be
        for delivery in _pending(message):
            delivery.status = DeliveryStatus.FAILED
            delivery.reply = f"The message could not be built: {error}"[:1000]
        _settle(message, report)
        db.session.commit()
        return True
    message_id = message.id
    db.session.commit()  # the claim is visible to other senders; no transaction stays open

    error_text = ""
    replies: dict[str, Reply] = {}
    if pending:
        try:
            replies = connection.transaction(
                current_app.config["MAIL_DEFAULT_SENDER"], pending, data, deadline
            )
        except ConnectionLost as error:
            error_text = f"Connection lost while sending: {error}"
            log.warning("%s", error_text)
            replies = dict.fromkeys(pending, Reply(None, error_text))
    _record_replies(_load(message_id), replies, report, error=error_text)
    db.session.commit()
    return True


#: Run at the start of each delivery, to queue mail decided only then (e.g. portal.auth turns
#: recorded password-reset requests into emails, so the request page never reveals an account).
BEFORE_DELIVERY: list = []


def deliver_outbox() -> DeliveryReport:
    """Send what is due over one SMTP connection; stop when the connection breaks.

    Messages are claimed one at a time, just before they are sent, so a run
    stuck on a slow server holds one message, and another run delivers the rest.
    """
    for prepare in BEFORE_DELIVERY:
        prepare()
    # The worker owns its transaction: what the preparations queued is saved before sending.
    db.session.commit()
    report = DeliveryReport()
    if mail_transport() == "outbox":
        return _deliver_in_outbox(report)
    if not _something_due():
        return report
    try:
        connection = SmtpConnection(ServerSettings.from_config(current_app.config))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server means retry
        _server_unreachable(error, report)
        return report
    try:
        while connection.usable and _send_next(connection, report):
            pass
    finally:
        connection.close()
    return report


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (outbox page, fda_admin).

    Only the recipients that were not accepted are tried again.
    """
    for delivery in message.failed_deliveries:
        delivery.status = DeliveryStatus.PENDING
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_until = None
