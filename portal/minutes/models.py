"""A meeting's record (SPEC 7a): FDA's working copy, and the versions it published.

The firm reads only ``MeetingRecordVersion`` rows, and a version exists only once FDA
publishes: a draft has no row the firm's pages could ever load, whatever a firm page
queries. FDA's working copy (``MeetingRecord`` and its follow-ups) is read by FDA's
pages alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import FdaOnly, FirmOwned, PublicIdMixin, UTCDateTime, firm_key, same_firm_as
from portal.timeutil import utcnow

#: Longest summary, topics or outcomes text; a record is minutes, not a report.
TEXT_MAX = 20000
GUESTS_MAX = 30
FOLLOW_UPS_MAX = 30


class MeetingRecord(PublicIdMixin, FirmOwned, FdaOnly, db.Model):
    """FDA's working copy of one meeting's record: edited freely, published as versions.

    ``FdaOnly``: a firm user's session reads none of it, draft or not.
    """

    __tablename__ = "meeting_record"
    __table_args__ = (
        UniqueConstraint("meeting_id", name="uq_meeting_record_meeting_id"),
        firm_key("meeting_record"),
        same_firm_as("meeting_record", "meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(nullable=False)
    #: Portal users present (firm and FDA): their ids, kept in the order ticked.
    attendee_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: People without a portal account: [{"name", "organization", "title"}, ...].
    guests: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Light formatting marks, shown through the one sanitizer (portal.sanitize).
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    topics: Mapped[str] = mapped_column(Text, nullable=False, default="")
    outcomes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Ids of the meeting's questions discussed at it.
    question_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Published version number shown to the firm; 0 while never published.
    published_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Set when the working copy differs from the last published version.
    has_unpublished_changes: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    follow_ups: Mapped[list[MeetingFollowUp]] = relationship(
        back_populates="record",
        order_by="MeetingFollowUp.id",
        foreign_keys="MeetingFollowUp.record_id",
    )

    @property
    def is_published(self) -> bool:
        return self.published_number > 0


class MeetingFollowUp(PublicIdMixin, FirmOwned, FdaOnly, db.Model):
    """Something agreed at the meeting, with an owner and a date; may become a quality action."""

    __tablename__ = "meeting_follow_up"
    __table_args__ = (
        same_firm_as("meeting_follow_up", "meeting_record", "record_id"),
        same_firm_as("meeting_follow_up", "quality_action", "quality_action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(nullable=False, index=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner_name: Mapped[str] = mapped_column(String(120), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: The quality action FDA made of it (SPEC 11), once made.
    quality_action_id: Mapped[int | None] = mapped_column()

    record = relationship("MeetingRecord", foreign_keys=[record_id], back_populates="follow_ups")
    quality_action = relationship("QualityAction", foreign_keys=[quality_action_id])


class MeetingRecordVersion(PublicIdMixin, FirmOwned, db.Model):
    """One published text of the record, never changed afterwards: every earlier one is kept."""

    __tablename__ = "meeting_record_version"
    __table_args__ = (
        UniqueConstraint("record_id", "number", name="uq_meeting_record_version_number"),
        Index("ix_meeting_record_version_meeting", "meeting_id", "number"),
        firm_key("meeting_record_version"),
        same_firm_as("meeting_record_version", "meeting_record", "record_id"),
        same_firm_as("meeting_record_version", "meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(nullable=False)
    #: The meeting, so that the firm's page finds the version without the working copy.
    meeting_id: Mapped[int] = mapped_column(nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Everything the firm reads, as published: names, not ids, so later renames don't
    #: rewrite history (see portal.minutes.services.snapshot).
    content: Mapped[dict] = mapped_column(JSON, nullable=False)
    #: FDA's note on a revision, and the sections the portal found changed.
    change_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changed_sections: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    published_by = relationship("User")
    meeting = relationship("Meeting", foreign_keys=[meeting_id])


class MeetingRecordReply(PublicIdMixin, FirmOwned, db.Model):
    """The firm's acknowledgement of a version, or its comment, which FDA reads."""

    __tablename__ = "meeting_record_reply"
    __table_args__ = (
        Index("ix_meeting_record_reply_meeting", "meeting_id", "created_at"),
        same_firm_as("meeting_record_reply", "meeting_record_version", "version_id"),
        same_firm_as("meeting_record_reply", "meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(nullable=False)
    meeting_id: Mapped[int] = mapped_column(nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: Empty for an acknowledgement; the comment otherwise.
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    author = relationship("User")
    version = relationship("MeetingRecordVersion", foreign_keys=[version_id])

    @property
    def is_acknowledgement(self) -> bool:
        return not self.body
