"""The site page's section on letters and the engagement (SPEC 3-6): data, not HTML.

The site page includes ``invitations/_fda_site.html``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal.engagements.models import Engagement
from portal.engagements.services import with_regulatory_flag
from portal.extensions import db
from portal.invitations import links, services
from portal.invitations.models import Invitation, InvitationStatus
from portal.sites.models import Site


def site_invitations(site: Site) -> dict[str, Any]:
    """Every letter to the site, its engagements, and whether a letter may go now.

    A fixed handful of queries whatever the site's history: the letters with
    their senders, the engagements with their flag, and the send rules.
    """
    params = {"site_id": site.id}
    invitations = db.session.scalars(_letters_statement(), params).all()
    engagements = db.session.scalars(_engagements_statement(), params).all()
    resendable = next(
        (
            invitation
            for invitation in invitations
            if invitation.status in (InvitationStatus.SENT, InvitationStatus.EXPIRED)
        ),
        None,
    )
    return {
        "invitations": invitations,
        "states": {invitation.id: links.state_of(invitation) for invitation in invitations},
        "engagements": engagements,
        "blockers": services.send_blockers(site, known=(invitations, engagements)),
        "resendable": resendable,
    }


# Built once per process, the site a bound parameter: composing these statements (eager
# loads, the regulatory flag) and computing SQLAlchemy's cache key cost about as much CPU
# as running them.


@cache
def _letters_statement() -> Select:
    return (
        select(Invitation)
        .options(joinedload(Invitation.sent_by))
        .where(Invitation.site_id == bindparam("site_id"))
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
    )


@cache
def _engagements_statement() -> Select:
    return (
        select(Engagement)
        .options(joinedload(Engagement.firm), with_regulatory_flag())
        .where(Engagement.site_id == bindparam("site_id"))
        .order_by(Engagement.opened_at.desc())
    )
