"""The append-only audit log (SPEC "Confidentiality")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime
from portal.timeutil import utcnow


class AuditEvent(db.Model):
    """Who did what to which record, when, from where. Never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_firm_occurred", "firm_id", "occurred_at"),
        Index("ix_audit_event_actor_occurred", "actor_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    #: The signed-in person; NULL for anonymous visitors and scheduled commands.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Copied, so the entry still reads right if the account changes.
    actor_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    actor_role: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    #: The firm whose record this is, when it is one firm's.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"))
    #: Dotted verb, e.g. "auth.login", "question.view", "invitation.send".
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: The record's public id (never a link token or a secret).
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    client_address: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: Short human-readable detail, e.g. the reason for an override.
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")
