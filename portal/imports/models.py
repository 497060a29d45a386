"""Runs of the three FDA imports, and the shortage list's proposed site matches (SPEC 1)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import PublicIdMixin, TimestampMixin, UTCDateTime, string_enum
from portal.timeutil import utcnow


class ImportKind(enum.StrEnum):
    INSPECTIONS = "inspections"
    COMPLIANCE_ACTIONS = "compliance_actions"
    SHORTAGES = "shortages"
    WARNING_LETTERS = "warning_letters"


class ImportRun(PublicIdMixin, db.Model):
    """One import of one file: what it created, updated, left alone and rejected."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(string_enum(ImportKind, "import_kind"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who uploaded it; NULL when run from the command line.
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Sites the run added because their FEI number was new to the portal.
    sites_created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Site-to-company matches the run proposed for FDA staff to confirm or reject.
    matches_proposed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: JSON list of {"line": n, "reason": "..."} for the rejected rows.
    rejections: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: Lines left out on purpose (a device firm's row, an exact duplicate): not errors.
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: JSON list of {"line", "text", "kind": "skipped" | "note", "category"}: the skipped
    #: lines and the remarks on imported ones (a repaired quote, an unreadable optional date).
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="[]", server_default="[]")

    by = relationship("User")


class ShortageEntry(PublicIdMixin, TimestampMixin, db.Model):
    """A line of FDA's drug shortage list: a product and the company that markets it."""

    __tablename__ = "shortage_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the normalized (generic name, company, presentation): the re-import key.
    entry_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    generic_name: Mapped[str] = mapped_column(String(500), nullable=False)
    company_name: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Company name reduced for matching: case, punctuation and corporate suffixes removed.
    company_key: Mapped[str] = mapped_column(String(300), nullable=False, index=True)
    presentation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    therapeutic_category: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    date_of_update: Mapped[date | None] = mapped_column(Date)


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class ShortageMatch(PublicIdMixin, TimestampMixin, db.Model):
    """The portal's proposal that a shortage-list company is this site; FDA decides."""

    __tablename__ = "shortage_match"
    __table_args__ = (UniqueConstraint("site_id", "company_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    company_name: Mapped[str] = mapped_column(String(300), nullable=False)
    company_key: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Why the portal proposed it (the names compared and how they matched).
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: "same legal entity" or "same group" (portal.sites.names.Strength): how sure it is.
    strength: Mapped[str] = mapped_column(String(24), nullable=False, default="", server_default="")
    status: Mapped[MatchStatus] = mapped_column(
        string_enum(MatchStatus, "match_status"), nullable=False, default=MatchStatus.PROPOSED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    decided_by = relationship("User")


class WarningLetterMatch(PublicIdMixin, TimestampMixin, db.Model):
    """The portal's proposal that a close-out on FDA's Warning Letters list closes this
    open warning-letter action; FDA staff decide, as for shortage matches (SPEC 1)."""

    __tablename__ = "warning_letter_match"
    __table_args__ = (
        UniqueConstraint(
            "regulatory_action_id",
            "company_name",
            "letter_issue_date",
            name="uq_warning_letter_match_action_letter",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regulatory_action_id: Mapped[int] = mapped_column(
        ForeignKey("regulatory_action.id"), nullable=False, index=True
    )
    #: The letter as the list gives it.
    company_name: Mapped[str] = mapped_column(String(300), nullable=False)
    letter_issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    closeout_date: Mapped[date] = mapped_column(Date, nullable=False)
    issuing_office: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    subject: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    #: Why the portal is not sure (names of a group only, dates a few days apart, ...).
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    strength: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    status: Mapped[MatchStatus] = mapped_column(
        string_enum(MatchStatus, "match_status"), nullable=False, default=MatchStatus.PROPOSED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    action = relationship("RegulatoryAction")
    decided_by = relationship("User")
