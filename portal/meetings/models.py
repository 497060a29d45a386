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
