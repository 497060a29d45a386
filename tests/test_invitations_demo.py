"""The demo letters and engagements (`flask seed-demo`), after the sites demo."""

from __future__ import annotations

from sqlalchemy import select

from portal import demo
from portal.auth.models import Firm
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.invitations import demo as invitations_demo
from portal.invitations.models import Invitation, InvitationStatus
from portal.sites.models import Site
from tests.conftest import outbox


def test_the_whole_demo_gives_each_firm_an_engagement_and_fda_letters_to_follow(app):
    assert demo.seed() is True
    for firm in db.session.scalars(select(Firm)).all():
        engagement = db.session.scalars(
            select(Engagement).where(Engagement.firm_id == firm.id)
        ).one()
        assert engagement.status == EngagementStatus.ACTIVE
        assert engagement.invitation.status == InvitationStatus.ACCEPTED
        assert engagement.site.firm_id == firm.id
        assert "Dear" in engagement.invitation.letter_body
    unaffiliated = select(Invitation).join(Invitation.site).where(Site.firm_id.is_(None))
    statuses = sorted(i.status for i in db.session.scalars(unaffiliated))
    assert statuses == [InvitationStatus.DECLINED, InvitationStatus.SENT]
    (letter,) = outbox("invitations_letter")
    assert "/invitation/" in letter.body_text
    # Running the demo again changes nothing.
    assert demo.seed() is False
    assert len(db.session.scalars(select(Invitation)).all()) == 4


def test_without_sites_the_demo_skips_quietly(app, fda_staff):
    invitations_demo.seed(people={fda_staff.email: fda_staff}, firms=[])
    assert db.session.scalars(select(Invitation)).all() == []
