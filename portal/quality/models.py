"""Corrective and preventive actions arising from an engagement (SPEC 11)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
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
from portal.timeutil import utcnow


class ActionKind(enum.StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"

    @property
    def label(self) -> str:
        return {"corrective": "Corrective", "preventive": "Preventive"}[self.value]


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"  # completed by the firm
    VERIFIED = "verified"  # verified by FDA
    CLOSED = "closed"  # closed without completion, with a reason

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still being worked on by the firm: the states in which an action can be overdue."""
        return self in OPEN_STATUSES


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: "Planned",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.COMPLETED: "Completed by the firm",
    ActionStatus.VERIFIED: "Verified by FDA",
    ActionStatus.CLOSED: "Closed without completion",
}
#: Statuses in which the firm is still working on the action (SPEC 11).
OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class QualityAction(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    """A corrective or preventive action arising from an engagement (SPEC 11)."""

    __tablename__ = "quality_action"
    __table_args__ = (
        # Closing without completion is only honest with the reason written down.
        CheckConstraint("status <> 'closed' OR closed_reason <> ''", name="closed_has_reason"),
        Index("ix_quality_action_status_target", "status", "target_date"),
        # The API lists by (updated_at, public_id): a page is an index range read.
        Index("ix_quality_action_updated_at_public_id", "updated_at", "public_id"),
        # The dashboard counts actions opened, completed and verified in a period, and the
        # days between: each an index range read.
        Index("ix_quality_action_created_at", "created_at"),
        Index("ix_quality_action_completed_at", "completed_at", "created_at"),
        Index("ix_quality_action_verified_at", "verified_at", "completed_at"),
        firm_key("quality_action"),
        same_firm_as("quality_action", "engagement", "engagement_id"),
        same_firm_as("quality_action", "meeting", "meeting_id"),
        same_firm_as("quality_action", "question", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(nullable=False, index=True)
    kind: Mapped[ActionKind] = mapped_column(string_enum(ActionKind, "action_kind"), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    meeting_id: Mapped[int | None] = mapped_column()
    question_id: Mapped[int | None] = mapped_column()
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

    engagement = relationship("Engagement", foreign_keys=[engagement_id])
    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    question = relationship("Question", foreign_keys=[question_id])
    events: Mapped[list[QualityActionEvent]] = relationship(
        back_populates="action",
        order_by="QualityActionEvent.occurred_at",
        foreign_keys="QualityActionEvent.action_id",
    )

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Target date passed while the firm is still working on it (highlighted on both sides).

        ``today`` is the program's day (``timeutil.program_today``), not the viewer's: the
        pages, the work list, the dashboard and the API must call the same action overdue.
        """
        return self.status.is_open and self.target_date is not None and self.target_date < today

    @is_overdue.expression
    def is_overdue(cls, today: date):  # noqa: N805 - SQLAlchemy passes the class
        return and_(cls.status.in_(OPEN_STATUSES), cls.target_date < today)


class EventKind(enum.StrEnum):
    STATUS = "status"  # a status change (the creation counts as one, from "")
    EVIDENCE = "evidence"  # the firm's note of what was done, dated
    COMMENT = "comment"  # FDA's remark
    EDIT = "edit"  # the firm or FDA changed the action's details


class QualityActionEvent(PublicIdMixin, FirmOwned, db.Model):
    """History of an action: each status change, evidence note or FDA comment."""

    __tablename__ = "quality_action_event"
    __table_args__ = (
        same_firm_as("quality_action_event", "quality_action", "action_id"),
        # Evidence's documents point at their event with its firm (portal.documents).
        firm_key("quality_action_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(nullable=False, index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: "status", "evidence" or "comment" (see EventKind).
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    from_status: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    to_status: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: For evidence: the date the evidence refers to.
    evidence_date: Mapped[date | None] = mapped_column(Date)

    action: Mapped[QualityAction] = relationship(back_populates="events", foreign_keys=[action_id])
    by = relationship("User")
