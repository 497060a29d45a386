"""Corrective and preventive actions arising from an engagement (SPEC 11)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import FirmOwned, PublicIdMixin, TimestampMixin, UTCDateTime, string_enum
from portal.timeutil import utcnow


class ActionKind(enum.StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # completed by the firm
    VERIFIED = "verified"  # verified by FDA
    CLOSED = "closed"  # closed without completion, with a reason


class QualityAction(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    __tablename__ = "quality_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        ForeignKey("engagement.id"), nullable=False, index=True
    )
    kind: Mapped[ActionKind] = mapped_column(string_enum(ActionKind, "action_kind"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    #: The person at the firm who owns the action.
    owner_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        string_enum(ActionStatus, "action_status"),
        nullable=False,
        default=ActionStatus.PLANNED,
        index=True,
    )
    closed_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    engagement = relationship("Engagement")
    meeting = relationship("Meeting")
    question = relationship("Question")
    events: Mapped[list[QualityActionEvent]] = relationship(
        back_populates="action", order_by="QualityActionEvent.occurred_at"
    )


class QualityActionEvent(PublicIdMixin, FirmOwned, db.Model):
    """History of an action: each status change, evidence note or FDA comment."""

    __tablename__ = "quality_action_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("quality_action.id"), nullable=False, index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: "status", "evidence" or "comment".
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    to_status: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: For evidence: the date the evidence refers to.
    evidence_date: Mapped[date | None] = mapped_column(Date)

    action: Mapped[QualityAction] = relationship(back_populates="events")
    by = relationship("User")
