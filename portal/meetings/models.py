"""Meetings of an engagement (SPEC 7) and their question deadline (SPEC 8)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import (
    FirmOwned,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    firm_key,
    same_firm_as,
    string_enum,
)


class MeetingMode(enum.StrEnum):
    VIDEO = "video"
    TELECONFERENCE = "teleconference"
    ON_SITE = "on_site"

    @property
    def label(self) -> str:
        return {"video": "Video call", "teleconference": "Teleconference", "on_site": "On site"}[
            self.value
        ]


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Meeting(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_engagement_starts", "engagement_id", "starts_at"),
        # The API lists by (updated_at, public_id): a page is an index range read.
        Index("ix_meeting_updated_at_public_id", "updated_at", "public_id"),
        # The dashboard's meetings held in a period.
        Index("ix_meeting_status_starts", "status", "starts_at"),
        firm_key("meeting"),
        same_firm_as("meeting", "engagement", "engagement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(nullable=False)
    #: Start, in UTC.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    #: The IANA zone the meeting was scheduled in; the question deadline is computed in it.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    mode: Mapped[MeetingMode] = mapped_column(
        string_enum(MeetingMode, "meeting_mode"), nullable=False
    )
    #: Video link or dial-in for remote meetings.
    join_details: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Address and room for on-site meetings.
    location: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agenda: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[MeetingStatus] = mapped_column(
        string_enum(MeetingStatus, "meeting_status"),
        nullable=False,
        default=MeetingStatus.SCHEDULED,
        index=True,
    )
    #: iCalendar SEQUENCE: raised on every change so calendars update the event.
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: FDA's extension of this meeting's question deadline (UTC), if any.
    deadline_extended_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    engagement = relationship("Engagement", foreign_keys=[engagement_id])
    scheduled_by = relationship("User", foreign_keys=[scheduled_by_id])
    extended_by = relationship("User", foreign_keys=[extended_by_id])

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    # The question deadline depends on a program setting, so it is computed by
    # portal.meetings.schedule (question_deadline, accepts_questions), not here:
    # a model reads its own columns, never the database behind a property.


class CalendarFeed(PublicIdMixin, db.Model):
    """A person's secret calendar feed address (SPEC 7): one live row per person at most.

    Only the token's SHA-256 is kept, so the address is shown once, when issued; a
    revoked row stays (revoked_at set) so that the audit log's references still resolve.
    Not FirmOwned: it belongs to a person, FDA staff included, not to a firm.
    """

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    #: hex SHA-256 of the token in the address (portal.security.tokens.hash_token).
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: Set when the owner revokes the address or issues a new one; the old one then 404s.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
