"""Demo letters and engagements for `flask seed-demo` (runs after the sites demo).

* Each demo firm's site has a letter its quality lead accepted five weeks ago,
  and the active engagement that opened then.
* Of the unaffiliated sites that FDA has reached by phone, the first gets a
  letter through the real service (so its email, with working links, is in
  the outbox for a newcomer to click), and the second declined one last month.

Sites missing (the sites demo changed) are skipped, not invented.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.invitations import services
from portal.invitations.letter import compose_letter
from portal.invitations.models import Invitation, InvitationStatus
from portal.security.tokens import hash_token, new_token
from portal.sites.models import Site
from portal.timeutil import utcnow

STAFF = "staff@fda.example.gov"
DECLINE_REASON = (
    "We are midway through a remediation project this year. We may ask to join the program "
    "once it is finished."
)


def _past_letter(site: Site, sender: User, addressee: str, email: str, days_ago: int, **values):
    """A letter sent ``days_ago`` days ago whose link is no longer needed (already decided)."""
    sent_at = utcnow() - timedelta(days=days_ago)
    expires_at = sent_at + timedelta(days=30)
    invitation = Invitation(
        site_id=site.id,
        recipients=email,
        addressee=addressee,
        token_hash=hash_token(new_token()),
        sent_at=sent_at,
        expires_at=expires_at,
        sent_by_id=sender.id,
        letter_body=compose_letter(
            site, addressee=addressee, sender=sender, sent_at=sent_at, expires_at=expires_at
        ),
        **values,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _accepted_engagement(firm: Firm, staff: User) -> None:
    site = db.session.scalars(select(Site).where(Site.firm_id == firm.id)).first()
    lead = next((u for u in firm.users if u.role == Role.FIRM_ADMIN), None)
    if site is None or lead is None:
        return
    decided_at = utcnow() - timedelta(days=33)
    invitation = _past_letter(
        site,
        staff,
        lead.full_name,
        lead.email,
        35,
        status=InvitationStatus.ACCEPTED,
        decided_at=decided_at,
        responder_name=lead.full_name,
        responder_title=lead.title,
        responder_email=lead.email,
    )
    db.session.add(
        Engagement(
            firm_id=firm.id,
            site_id=site.id,
            invitation_id=invitation.id,
            status=EngagementStatus.ACTIVE,
            opened_at=decided_at,
        )
    )


def _reached_unaffiliated_sites() -> list[Site]:
    return list(
        db.session.scalars(
            select(Site)
            .where(Site.firm_id.is_(None), Site.archived_at.is_(None), Site.reached_by_phone)
            .order_by(Site.fei_number)
        )
    )


def seed(people: dict, firms: list) -> None:
    staff = people.get(STAFF)
    if staff is None:
        return
    for firm in firms:
        _accepted_engagement(firm, staff)
    db.session.flush()
    candidates = _reached_unaffiliated_sites()
    if candidates:
        awaiting = candidates[0]
        contacts = services.eligible_recipients(awaiting)
        if contacts:
            services.send_invitation(
                awaiting,
                contacts=contacts[:1],
                addressee=contacts[0].name,
                by=staff,
            )
    if len(candidates) > 1:
        declined = candidates[1]
        contacts = services.eligible_recipients(declined)
        if contacts:
            _past_letter(
                declined,
                staff,
                contacts[0].name,
                contacts[0].email,
                20,
                status=InvitationStatus.DECLINED,
                decided_at=utcnow() - timedelta(days=15),
                decline_reason=DECLINE_REASON,
            )
