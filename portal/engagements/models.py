"""An engagement: a site that accepted, and the work FDA and the firm do together."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.extensions import db
from portal.models import (
    FirmOwned,
    PublicIdMixin,
    TimestampMixin,
    UTCDateTime,
    firm_key,
    string_enum,
)


class EngagementStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Engagement(PublicIdMixin, TimestampMixin, FirmOwned, db.Model):
    __tablename__ = "engagement"
    __table_args__ = (
        firm_key("engagement"),
        Index("ix_engagement_changed_at_public_id", "changed_at", "public_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    #: Unique: two concurrent accepts of one invitation yield one engagement (SPEC 6).
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id"), unique=True, nullable=False
    )
    status: Mapped[EngagementStatus] = mapped_column(
        string_enum(EngagementStatus, "engagement_status"),
        nullable=False,
        default=EngagementStatus.ACTIVE,
        index=True,
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Agreed at the initial meeting (SPEC 7): how often FDA and the firm meet...
    timeframe_cadence: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: ...and until when.
    timeframe_expected_end: Mapped[date | None] = mapped_column(Date)
    timeframe_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timeframe_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The latest updated_at of the engagement and its site's regulatory actions (its
    #: regulatory flag): what the API lists engagements by. Kept by database triggers
    #: (portal.api.site_changes) in the writing transaction.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The FDA staff member who leads the engagement for FDA; new questions go to them
    #: unless someone else is chosen (SPEC 8). Set by FDA on the engagement page.
    fda_lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    #: Computed in SQL where a query asks for it (``with_expression``, see
    #: engagements.services.with_regulatory_flag): an open regulatory action recorded
    #: after the engagement opened (SPEC 13). None where the query did not load it.
    regulatory_flag: Mapped[bool | None] = query_expression()

    site = relationship("Site")
    firm = relationship("Firm")
    invitation = relationship("Invitation")
    fda_lead = relationship("User", foreign_keys=[fda_lead_id])
