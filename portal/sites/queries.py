"""Reads for the FDA site pages, each in a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from portal.audit.models import AuditEvent
from portal.auth.models import FDA_ROLES, User, UserStatus
from portal.extensions import db
from portal.imports.models import MatchStatus, ShortageMatch
from portal.invitations.models import Invitation, InvitationStatus
from portal.sites.eligibility import (
    InspectionWindow,
    computed_eligibility_clause,
    eligibility_clause,
)
from portal.sites.forms import NOT_INVITED
from portal.sites.models import ContactLog, RegulatoryAction, Site

#: Everything the site page shows, loaded up front (one query per relationship).
SITE_PAGE_OPTIONS = (
    joinedload(Site.firm),
    joinedload(Site.override_by),
    selectinload(Site.products),
    selectinload(Site.inspections),
    selectinload(Site.regulatory_actions).joinedload(RegulatoryAction.recorded_by),
    selectinload(Site.regulatory_actions).joinedload(RegulatoryAction.closed_by),
    selectinload(Site.contacts),
    selectinload(Site.contact_logs).joinedload(ContactLog.caller),
)

INVITATION_LABELS = {
    NOT_INVITED: "Not invited",
    InvitationStatus.SENT.value: "Letter sent, awaiting reply",
    InvitationStatus.ACCEPTED.value: "Accepted",
    InvitationStatus.DECLINED.value: "Declined",
    InvitationStatus.WITHDRAWN.value: "Withdrawn",
    InvitationStatus.REPLACED.value: "Replaced",
    InvitationStatus.EXPIRED.value: "Expired",
}


def latest_invitation_status() -> ColumnElement:
    """The status of the site's most recent invitation (NULL when never invited)."""
    return (
        select(Invitation.status)
        .where(Invitation.site_id == Site.id)
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        .limit(1)
        .correlate(Site)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class SiteFilters:
    q: str = ""
    country: str = ""
    eligibility: str = ""
    invitation: str = ""
    include_archived: bool = False


def site_list(filters: SiteFilters, window: InspectionWindow) -> Select:
    """Sites matching the filters, by legal name. Eligibility is decided in SQL."""
    stmt = select(Site).order_by(Site.legal_name, Site.fei_number)
    if not filters.include_archived:
        stmt = stmt.where(Site.archived_at.is_(None))
    if filters.q:
        digits = filters.q.replace(" ", "")
        if digits.isdigit():
            stmt = stmt.where(
                (Site.fei_number.startswith(digits, autoescape=True))
                | Site.legal_name.icontains(filters.q, autoescape=True)
            )
        else:
            stmt = stmt.where(Site.legal_name.icontains(filters.q, autoescape=True))
    if filters.country:
        stmt = stmt.where(Site.country == filters.country)
    if filters.eligibility == "eligible":
        stmt = stmt.where(eligibility_clause(window))
    elif filters.eligibility == "not_eligible":
        stmt = stmt.where(~eligibility_clause(window))
    elif filters.eligibility == "overridden":
        stmt = stmt.where(Site.eligibility_override.is_not(None))
    if filters.invitation == NOT_INVITED:
        stmt = stmt.where(latest_invitation_status().is_(None))
    elif filters.invitation:
        stmt = stmt.where(latest_invitation_status() == filters.invitation)
    return stmt


@dataclass(frozen=True)
class SiteRowFacts:
    eligible: bool
    computed: bool
    overridden: bool
    invitation: str

    @property
    def invitation_label(self) -> str:
        return INVITATION_LABELS.get(self.invitation, self.invitation)


def row_facts(sites: list[Site], window: InspectionWindow) -> dict[int, SiteRowFacts]:
    """Verdict and invitation status of each listed site, in one query."""
    if not sites:
        return {}
    rows = db.session.execute(
        select(
            Site.id,
            eligibility_clause(window).label("eligible"),
            computed_eligibility_clause(window).label("computed"),
            latest_invitation_status().label("invitation"),
        ).where(Site.id.in_([s.id for s in sites]))
    ).all()
    by_id = {s.id: s for s in sites}
    return {
        row.id: SiteRowFacts(
            eligible=bool(row.eligible),
            computed=bool(row.computed),
            overridden=by_id[row.id].eligibility_override is not None,
            invitation=str(row.invitation) if row.invitation else NOT_INVITED,
        )
        for row in rows
    }


def countries() -> list[str]:
    return list(
        db.session.scalars(
            select(Site.country).where(Site.country != "").distinct().order_by(Site.country)
        )
    )


def proposed_matches(site: Site) -> list[ShortageMatch]:
    return list(db.session.scalars(_matches_statement(), {"site_id": site.id}))


# The site page's statements are built once per process, their values bound parameters:
# composing one and computing SQLAlchemy's cache key cost about as much CPU as running it.


@cache
def _matches_statement() -> Select:
    return (
        select(ShortageMatch)
        .where(
            ShortageMatch.site_id == bindparam("site_id"),
            ShortageMatch.status == MatchStatus.PROPOSED,
        )
        .order_by(ShortageMatch.company_name)
    )


#: Audit actions that make up a site's eligibility history.
OVERRIDE_ACTIONS = ("site.eligibility_override", "site.eligibility_override_cleared")


def override_history(site: Site, limit: int = 20) -> list[AuditEvent]:
    """Earlier overrides and clearings, newest first: the reasons are kept (SPEC 2)."""
    params = {"object_id": str(site.public_id)}
    return list(db.session.scalars(_override_history_statement(limit), params))


@cache
def _override_history_statement(limit: int) -> Select:
    return (
        select(AuditEvent)
        .where(
            AuditEvent.object_type == Site.__tablename__,
            AuditEvent.object_id == bindparam("object_id"),
            AuditEvent.action.in_(OVERRIDE_ACTIONS),
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )


def fda_callers() -> list[User]:
    """Active FDA people, for "who called" on the contact log."""
    return list(db.session.scalars(_callers_statement()))


@cache
def _callers_statement() -> Select:
    return (
        select(User)
        .where(User.role.in_(list(FDA_ROLES)), User.status == UserStatus.ACTIVE)
        .order_by(User.full_name)
    )
