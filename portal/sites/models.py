"""Sites FDA identifies for the program, and what FDA knows of them (SPEC 1-3)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    exists,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement

from portal.extensions import db
from portal.models import PublicIdMixin, TimestampMixin, UTCDateTime, string_enum


class Site(PublicIdMixin, TimestampMixin, db.Model):
    """A drug manufacturing site, known by its FDA Establishment Identifier (FEI)."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: FDA Establishment Identifier: digits only, unique.
    fei_number: Mapped[str] = mapped_column(String(15), unique=True, nullable=False)
    legal_name: Mapped[str] = mapped_column(String(300), nullable=False)
    #: legal_name reduced for matching against the shortage list's company names
    #: (portal.sites.names); kept in step with legal_name by a validator.
    name_key: Mapped[str] = mapped_column(String(300), nullable=False, default="", index=True)
    address_line1: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    country: Mapped[str] = mapped_column(String(120), nullable=False, default="", index=True)
    #: The firm that answers for this site in the portal; set when an invitation is accepted.
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    #: FDA's override of the computed eligibility: True/False, or NULL for none (SPEC 2).
    eligibility_override: Mapped[bool | None] = mapped_column(Boolean)
    #: Why FDA overrode the computed verdict (required with an override).
    override_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when FDA archives the site; nothing is deleted.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The latest updated_at of the site, its products, inspections and regulatory actions:
    #: what the API lists sites by. Kept by database triggers (portal.api.models), so every
    #: write -- bulk imports included -- moves it in its own transaction.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_site_changed_at_public_id", "changed_at", "public_id"),)

    firm = relationship("Firm")
    override_by = relationship("User", foreign_keys=[override_by_id])
    products: Mapped[list[Product]] = relationship(back_populates="site", order_by="Product.name")
    inspections: Mapped[list[Inspection]] = relationship(
        back_populates="site", order_by="Inspection.end_date.desc()"
    )
    regulatory_actions: Mapped[list[RegulatoryAction]] = relationship(
        back_populates="site", order_by="RegulatoryAction.action_date.desc()"
    )
    contacts: Mapped[list[SiteContact]] = relationship(
        back_populates="site", order_by="SiteContact.name"
    )
    contact_logs: Mapped[list[ContactLog]] = relationship(
        back_populates="site", order_by="ContactLog.called_at.desc()"
    )

    @hybrid_property
    def reached_by_phone(self) -> bool:
        """FDA has spoken with someone at the site (SPEC 3): the letter may follow.

        One definition for the site page, the letter's guard, the work list and the
        demo: in Python over the loaded calls, in SQL as an EXISTS on them.
        """
        return any(log.reached_site for log in self.contact_logs)

    @reached_by_phone.inplace.expression
    @classmethod
    def _reached_by_phone(cls) -> ColumnElement[bool]:
        return exists().where(ContactLog.site_id == cls.id, ContactLog.reached_site)

    @validates("legal_name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        from portal.sites.names import company_key

        self.name_key = company_key(value)
        return value

    def __repr__(self) -> str:
        return f"<Site FEI {self.fei_number}>"


class SiteContact(PublicIdMixin, TimestampMixin, db.Model):
    """A person at the site FDA may phone and write to."""

    __tablename__ = "site_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="contacts")


class Product(PublicIdMixin, TimestampMixin, db.Model):
    """A finished drug product the site makes."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    #: "Supply disruption would result in higher risk to patients" (SPEC 1).
    shortage_vulnerable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Where the flag came from: "manual" or "shortage list" (a confirmed match).
    vulnerability_source: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    vulnerability_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(back_populates="products")

    @property
    def vulnerability_source_label(self) -> str:
        """Where the shortage-vulnerable flag came from, in words for the page."""
        return {
            VULNERABILITY_MANUAL: "flagged by FDA staff",
            VULNERABILITY_FROM_SHORTAGE_LIST: "from FDA's drug shortage list",
        }.get(self.vulnerability_source, self.vulnerability_source)


#: ``Product.vulnerability_source``: FDA staff set the flag by hand...
VULNERABILITY_MANUAL = "manual"
#: ... or confirmed a match with FDA's drug shortage list (imports.matching).
VULNERABILITY_FROM_SHORTAGE_LIST = "shortage list"


class InspectionClassification(enum.StrEnum):
    NAI = "NAI"  # No Action Indicated
    VAI = "VAI"  # Voluntary Action Indicated
    OAI = "OAI"  # Official Action Indicated


class Inspection(TimestampMixin, db.Model):
    """One FDA inspection of the site, from the Data Dashboard export."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    #: FDA's own inspection id: what makes re-imports update instead of duplicate.
    fda_inspection_id: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    #: Federal fiscal year of end_date (as exported; checked against the date on import).
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    classification: Mapped[InspectionClassification] = mapped_column(
        string_enum(InspectionClassification, "inspection_classification"), nullable=False
    )
    project_area: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    product_type: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    posted_citations: Mapped[bool | None] = mapped_column(Boolean)

    site: Mapped[Site] = relationship(back_populates="inspections")


#: Action types FDA records by hand; imports may bring others (e.g. "Seizure").
REGULATORY_ACTION_TYPES = (
    "Warning Letter",
    "Import Alert",
    "Consent Decree",
    "Injunction",
    "Seizure",
    "Regulatory Meeting",
    "Untitled Letter",
)


class RegulatoryAction(PublicIdMixin, TimestampMixin, db.Model):
    """An adverse regulatory action; open until FDA records it closed (SPEC 1, 13)."""

    __tablename__ = "regulatory_action"
    __table_args__ = (UniqueConstraint("site_id", "action_type", "action_date", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    action_type: Mapped[str] = mapped_column(String(64), nullable=False)
    action_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: FDA's case or injunction id, when the source gives one.
    case_id: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    product_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: "import" (compliance-actions file) or "manual".
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="manual")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: The day FDA recorded it closed; NULL while open.
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    site: Mapped[Site] = relationship(back_populates="regulatory_actions")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ContactOutcome(enum.StrEnum):
    REACHED = "reached"  # spoke with someone at the site about the program
    LEFT_MESSAGE = "left_message"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return {
            "reached": "Spoke with the site",
            "left_message": "Left a message",
            "no_answer": "No answer",
            "wrong_number": "Wrong number",
        }[self.value]


class ContactLog(PublicIdMixin, TimestampMixin, db.Model):
    """A phone call FDA made to the site (SPEC 3): the letter follows a call."""

    __tablename__ = "contact_log"
    __table_args__ = (
        # The dashboard counts the sites called (and reached) in a period: a range read of
        # this index, which holds every column the count needs, instead of every call.
        Index("ix_contact_log_called_at_site_outcome", "called_at", "site_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: The FDA person who called.
    caller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    person_reached: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    outcome: Mapped[ContactOutcome] = mapped_column(
        string_enum(ContactOutcome, "contact_outcome"), nullable=False
    )
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    site: Mapped[Site] = relationship(back_populates="contact_logs")
    caller = relationship("User")

    @hybrid_property
    def reached_site(self) -> bool:
        """The call reached someone at the site: a voicemail is a call, not a conversation.

        The same comparison serves Python and SQL (the dashboard's "reached").
        """
        return self.outcome == ContactOutcome.REACHED
