"""Outgoing email, written in the same transaction as the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import PublicIdMixin, UTCDateTime, string_enum
from portal.timeutil import utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender; reclaimed if it stays here past claimed_until
    SENT = "sent"  # every recipient accepted
    FAILED = "failed"  # no recipient left to try, and at least one refused; an admin can retry


class DeliveryStatus(enum.StrEnum):
    """Where one recipient of a message stands (SPEC "Email": tracked per recipient)."""

    PENDING = "pending"  # not yet accepted; tried again at the message's next attempt
    ACCEPTED = "accepted"  # the server took it for this address: never sent again
    FAILED = "failed"  # refused for good (5xx) or still refused after MAIL_MAX_ATTEMPTS


class OutboxMessage(PublicIdMixin, db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Comma-separated addresses.
    recipients: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    #: JSON list of {filename, content_type, data (base64)}; e.g. a meeting's .ics.
    attachments: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: Which email template produced it, for the outbox page and tests.
    template: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The firm the message concerns, if any.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"))
    status: Mapped[OutboxStatus] = mapped_column(
        string_enum(OutboxStatus, "outbox_status"), nullable=False, default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: A sender that claimed the message must finish before this, or another may retry it.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliveries: Mapped[list[OutboxDelivery]] = relationship(
        back_populates="message", order_by="OutboxDelivery.id", cascade="all, delete-orphan"
    )

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]

    @property
    def failed_deliveries(self) -> list[OutboxDelivery]:
        return [d for d in self.deliveries if d.status == DeliveryStatus.FAILED]


class OutboxDelivery(db.Model):
    """One recipient of one message, and what the mail server last said about it.

    A message goes out again only to its pending recipients, so a person the
    server already accepted never gets a second copy because another was refused.
    """

    __tablename__ = "outbox_delivery"
    __table_args__ = (UniqueConstraint("message_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), nullable=False, index=True
    )
    address: Mapped[str] = mapped_column(String(320), nullable=False)
    status: Mapped[DeliveryStatus] = mapped_column(
        string_enum(DeliveryStatus, "outbox_delivery_status"),
        nullable=False,
        default=DeliveryStatus.PENDING,
    )
    #: Transactions in which this address was offered to the server.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The server's last reply code for this address (e.g. 250, 451, 550); None before any.
    reply_code: Mapped[int | None] = mapped_column(Integer)
    #: The server's last reply text, or the network error that stopped the attempt.
    reply: Mapped[str] = mapped_column(Text, nullable=False, default="")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[OutboxMessage] = relationship(back_populates="deliveries")


class SentReminder(db.Model):
    """A reminder that has been queued: the unique key makes each go out at most once (SPEC 9).

    ``due_key`` names the moment the reminder is about (e.g. the question
    deadline in ISO form), so a rescheduled meeting's new deadline is due again.
    """

    __tablename__ = "sent_reminder"
    __table_args__ = (UniqueConstraint("kind", "user_id", "subject_key", "due_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.g. "question_deadline_7d", "question_deadline_1d", "feedback_7d".
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The record reminded about, e.g. the meeting's public id.
    subject_key: Mapped[str] = mapped_column(String(64), nullable=False)
    due_key: Mapped[str] = mapped_column(String(64), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
