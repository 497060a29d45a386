"""Email through the outbox (SPEC "Email").

`queue_email` renders a message and adds it to the current transaction, so a
change and the email it causes commit together or not at all. `deliver_outbox`
(the `flask mail send` command) sends what is due, retrying with backoff while
the mail server is down; two senders at once never send one message twice.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import and_, or_, select, update

from portal.extensions import db, mail
from portal.outbox.models import OutboxMessage, OutboxStatus
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: A claimed message not finished within this time is considered abandoned.
CLAIM_LIFETIME = timedelta(minutes=10)


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
    message = OutboxMessage(
        recipients=",".join(sorted({r.strip().lower() for r in recipients if r.strip()})),
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
    )
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _claim_batch(limit: int) -> list[int]:
    """Claim due messages for this sender and commit the claim.

    On PostgreSQL the candidate rows are locked with SKIP LOCKED, so a second
    sender picks other rows instead of waiting; the conditional UPDATE makes the
    claim safe on SQLite too, where the database serializes writers.
    """
    now = utcnow()
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )
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
            .values(status=OutboxStatus.SENDING, claimed_until=now + CLAIM_LIFETIME)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


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


def _record_failure(message: OutboxMessage, error: Exception, report: DeliveryReport) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    message.claimed_until = None
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        report.retrying += 1


REMOVED_BODY = "(Delivered. The text is not kept after delivery: it may hold personal links.)"


def _record_delivery(message: OutboxMessage) -> None:
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.claimed_until = None
    message.last_error = ""
    if not current_app.config["MAIL_KEEP_BODIES"]:
        message.body_text = REMOVED_BODY
        message.body_html = REMOVED_BODY
        message.attachments = "[]"


#: Run at the start of each delivery, to queue mail decided only then (e.g. portal.auth turns
#: recorded password-reset requests into emails, so the request page never reveals an account).
BEFORE_DELIVERY: list = []


def deliver_outbox(batch_size: int = 50) -> DeliveryReport:
    for prepare in BEFORE_DELIVERY:
        prepare()
    report = DeliveryReport()
    while True:
        claimed = _claim_batch(batch_size)
        if not claimed:
            return report
        messages = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        ).all()
        try:
            connection = mail.connect()
            connection.__enter__()
        except Exception as error:  # noqa: BLE001 - any failure to reach the server means retry
            log.warning("mail server unreachable: %s", error)
            for message in messages:
                _record_failure(message, error, report)
            db.session.commit()
            return report
        try:
            for message in messages:
                try:
                    connection.send(_as_flask_mail(message))
                except Exception as error:  # noqa: BLE001 - recorded on the message, retried
                    _record_failure(message, error, report)
                else:
                    _record_delivery(message)
                    report.sent += 1
                db.session.commit()
        finally:
            try:
                connection.__exit__(None, None, None)
            except Exception:  # noqa: BLE001, S110 - closing a dead connection may fail; nothing to do
                pass


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (outbox page, fda_admin)."""
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_until = None
