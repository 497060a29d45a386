"""The site page's section on letters and the engagement (SPEC 3-6): data, not HTML.

The site page includes ``invitations/_fda_site.html``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
    invitations = db.session.scalars(
        select(Invitation)
        .options(joinedload(Invitation.sent_by))
        .where(Invitation.site_id == site.id)
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
    ).all()
    engagements = db.session.scalars(
        select(Engagement)
        .options(joinedload(Engagement.firm), with_regulatory_flag())
        .where(Engagement.site_id == site.id)
        .order_by(Engagement.opened_at.desc())
    ).all()
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
