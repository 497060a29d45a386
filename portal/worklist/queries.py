"""The work list's sections, each one query whatever the program's size (SPEC 3-6, 13).

Each query returns at most ``SECTION_LIMIT`` rows, the most pressing first, and
the section's full count in the same query (``count(*) OVER ()``), so the page
costs the same with ten sites or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, not_, or_, select
from sqlalchemy.orm import contains_eager

from portal.engagements.models import Engagement, EngagementStatus
from portal.engagements.services import regulatory_flag_expression, with_regulatory_flag
from portal.extensions import db
from portal.invitations.models import Invitation, InvitationStatus
from portal.sites.eligibility import eligibility_clause
from portal.sites.models import ContactLog, Site
from portal.timeutil import utcnow

#: Rows shown per section; the rest are counted.
SECTION_LIMIT = 20
#: How far back "recent" accepts and declines go.
RECENT_DAYS = 30


@dataclass
class Section:
    rows: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


def _sectioned(stmt: Select) -> Select:
    """A section's query with its full count attached and its rows capped."""
    return stmt.add_columns(func.count().over().label("section_total")).limit(SECTION_LIMIT)


def _section(stmt: Select, *, entity_only: bool = True, **params: Any) -> Section:
    """Run a section's query; rows are the entity, or the tuples."""
    results = db.session.execute(stmt, params).all()
    if not results:
        return Section()
    total = results[0].section_total
    rows = [row[0] if entity_only else tuple(row)[:-1] for row in results]
    return Section(rows=rows, total=total)


# The statements below that depend on no program setting are built once per process, the
# moment they vary by (now) a bound parameter: composing them (hybrid expressions,
# correlated EXISTS, eager-load options) cost the work list more CPU than running them,
# and a statement kept whole also keeps SQLAlchemy's cache key, which is computed once.


def _active_engagement_exists():
    return exists().where(
        Engagement.site_id == Site.id, Engagement.status == EngagementStatus.ACTIVE
    )


def _open_invitation_exists(now):
    return exists().where(Invitation.site_id == Site.id, Invitation.awaiting_reply(now))


def eligible_not_contacted() -> Section:
    """Eligible sites FDA has not phoned yet (SPEC 2-3): the program's next calls."""
    # Built per request: eligibility_clause() reads program settings.
    stmt = (
        select(Site)
        .where(
            eligibility_clause(),
            not_(exists().where(ContactLog.site_id == Site.id)),
            not_(_active_engagement_exists()),
        )
        .order_by(Site.legal_name, Site.id)
    )
    return _section(_sectioned(stmt))


@cache
def _no_letter_statement() -> Select:
    last_call = (
        select(func.max(ContactLog.called_at))
        .where(ContactLog.site_id == Site.id)
        .correlate(Site)
        .scalar_subquery()
    )
    written_since = exists().where(Invitation.site_id == Site.id, Invitation.sent_at >= last_call)
    stmt = (
        select(Site, last_call.label("last_call"), Site.reached_by_phone.label("reached"))
        .where(
            Site.archived_at.is_(None),
            exists().where(ContactLog.site_id == Site.id),
            not_(or_(written_since, _open_invitation_exists(bindparam("now")))),
            not_(_active_engagement_exists()),
        )
        .order_by(last_call, Site.id)
    )
    return _sectioned(stmt)


def contacted_no_letter() -> Section:
    """Sites called since their last letter (or never written to), with no letter pending.

    Rows: (site, last call, whether a call reached the site). A site that
    declined and was called again appears here again: it may be re-invited.
    """
    return _section(_no_letter_statement(), entity_only=False, now=utcnow())


@cache
def _awaiting_statement() -> Select:
    return _sectioned(
        select(Invitation)
        .join(Invitation.site)
        .options(contains_eager(Invitation.site))
        .where(Invitation.status == InvitationStatus.SENT)
        .order_by(Invitation.expires_at, Invitation.id)
    )


def awaiting_reply() -> Section:
    """Letters still waiting for the site's answer, the soonest to expire first."""
    return _section(_awaiting_statement())


@cache
def _decisions_statement() -> Select:
    return _sectioned(
        select(Invitation)
        .join(Invitation.site)
        .options(contains_eager(Invitation.site))
        .where(
            Invitation.status.in_([InvitationStatus.ACCEPTED, InvitationStatus.DECLINED]),
            Invitation.decided_at >= bindparam("since"),
        )
        .order_by(Invitation.decided_at.desc(), Invitation.id.desc())
    )


def recent_decisions() -> Section:
    """Accepts and declines of the last RECENT_DAYS days, newest first (SPEC 5-6)."""
    return _section(_decisions_statement(), since=utcnow() - timedelta(days=RECENT_DAYS))


@cache
def _flagged_statement() -> Select:
    return _sectioned(
        select(Engagement)
        .join(Engagement.site)
        .join(Engagement.firm)
        .options(
            contains_eager(Engagement.site),
            contains_eager(Engagement.firm),
            with_regulatory_flag(),
        )
        .where(and_(Engagement.status == EngagementStatus.ACTIVE, regulatory_flag_expression()))
        .order_by(Engagement.opened_at, Engagement.id)
    )


def flagged_engagements() -> Section:
    """Active engagements whose site has an open regulatory action recorded since (SPEC 13)."""
    return _section(_flagged_statement())


def days_left(invitation: Invitation) -> int:
    """Whole days until the link expires (0: less than a day); negative once past."""
    return (invitation.expires_at - utcnow()).days
