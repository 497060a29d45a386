"""Formal invitation letters and their accept/decline links (SPEC 4-6)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, and_, text
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import PublicIdMixin, TimestampMixin, UTCDateTime, string_enum


class InvitationStatus(enum.StrEnum):
    SENT = "sent"  # awaiting the site's decision
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # FDA took it back
    REPLACED = "replaced"  # re-sent: a newer invitation holds the live link
    EXPIRED = "expired"  # nobody decided before expires_at


class Invitation(PublicIdMixin, TimestampMixin, db.Model):
    """One letter to one site, with one link token that decides once."""

    __tablename__ = "invitation"
    __table_args__ = (
        # At most one open letter per site (SPEC 4): a double-click on "Send" or two
        # FDA staff sending at once cannot put two live links in the site's inbox.
        Index(
            "uq_invitation_one_open_per_site",
            "site_id",
            unique=True,
            sqlite_where=text("status = 'sent'"),
            postgresql_where=text("status = 'sent'"),
        ),
        # The dashboard: the letters sent in a period, and whether a site had a later one.
        Index("ix_invitation_sent_at", "sent_at"),
        Index("ix_invitation_site_sent_at", "site_id", "sent_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    #: Comma-separated addresses of the site contacts the letter went to.
    recipients: Mapped[str] = mapped_column(Text, nullable=False)
    #: Whom the letter is addressed to ("Dear ...").
    addressee: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: SHA-256 of the link token; the token itself is only in the email.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    status: Mapped[InvitationStatus] = mapped_column(
        string_enum(InvitationStatus, "invitation_status"),
        nullable=False,
        default=InvitationStatus.SENT,
        index=True,
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The letter's text as sent (kept, so the record shows what the site received).
    letter_body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: FDA's own paragraph in the letter (SPEC 4), kept so a re-sent letter says it again.
    fda_paragraph: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responder_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    responder_title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    responder_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The newer invitation that replaced this one on re-send.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"))

    site = relationship("Site")
    sent_by = relationship("User", foreign_keys=[sent_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])
    replaced_by = relationship("Invitation", remote_side=[id], foreign_keys=[replaced_by_id])

    @hybrid_method
    def awaiting_reply(self, now: datetime) -> bool:
        """Sent and not past its expiry: the site's one open letter (SPEC 4)."""
        return self.status == InvitationStatus.SENT and self.expires_at > now

    @awaiting_reply.expression
    def awaiting_reply(cls, now: datetime):  # noqa: N805 - SQLAlchemy passes the class
        return and_(cls.status == InvitationStatus.SENT, cls.expires_at > now)

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]
