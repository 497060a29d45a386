"""An engagement's message thread (SPEC 14): what the firm and FDA both read.

FDA's internal notes are not here: they live in ``portal.messages.fda_notes``,
a module the firm's pages never import, in a table the firm's session never reads.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import (
    FirmOwned,
    PublicIdMixin,
    UTCDateTime,
    firm_key,
    same_firm_as,
    string_enum,
)
from portal.timeutil import utcnow

#: Longest message a person may post; a thread is a conversation, not a document.
BODY_MAX = 8000


class EngagementMessage(PublicIdMixin, FirmOwned, db.Model):
    """One message in an engagement's thread, by a firm user or FDA staff; never edited."""

    __tablename__ = "engagement_message"
    __table_args__ = (
        # The thread reads in order and the unread count looks for the newest.
        Index("ix_engagement_message_engagement_created", "engagement_id", "created_at"),
        # A message's documents point at it with its firm (portal.documents).
        firm_key("engagement_message"),
        same_firm_as("engagement_message", "engagement", "engagement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(nullable=False)
    #: Who wrote it (a firm user of this firm, or FDA staff).
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The text as typed (light formatting marks); pages show it through the one sanitizer.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    author = relationship("User")
    engagement = relationship("Engagement", foreign_keys=[engagement_id])


class MessageReadMarker(FirmOwned, db.Model):
    """How far one person has read one engagement's thread: their unread marker (SPEC 14)."""

    __tablename__ = "message_read_marker"
    __table_args__ = (
        UniqueConstraint("user_id", "engagement_id", name="uq_message_read_marker_user_engagement"),
        same_firm_as("message_read_marker", "engagement", "engagement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    engagement_id: Mapped[int] = mapped_column(nullable=False, index=True)
    #: Everything posted up to this moment has been seen by the person.
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class NoticeMode(enum.StrEnum):
    #: An email for each new message, queued with the message itself.
    IMMEDIATE = "immediate"
    #: One email a day listing the threads with new messages.
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return {
            "immediate": "An email for each new message",
            "digest": "One email a day listing the engagements with new messages",
        }[self.value]


class MessageNoticePreference(db.Model):
    """A person's choice of message notices; no row means immediate."""

    __tablename__ = "message_notice_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, unique=True)
    mode: Mapped[NoticeMode] = mapped_column(
        string_enum(NoticeMode, "notice_mode"), nullable=False, default=NoticeMode.IMMEDIATE
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class MessageDigest(db.Model):
    """One person's daily digest. The unique key is the claim: a day's digest goes once,
    however often and however concurrently ``flask messages digest`` runs."""

    __tablename__ = "message_digest"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_message_digest_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The person's own calendar day (in their time zone).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
