"""The demo sites give the FDA pages something to show: each demo firm's site, and a mix
of eligible and ineligible unaffiliated sites."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.sites import demo
from portal.sites.eligibility import assess, eligible_site_ids_subquery
from portal.sites.models import ContactOutcome, Site
from tests import factories


def test_the_demo_seeds_firm_sites_and_a_mix_of_eligibility(app):
    people = {
        "staff@fda.example.gov": factories.user(Role.FDA_STAFF, email="staff@fda.example.gov"),
        "admin@fda.example.gov": factories.user(Role.FDA_ADMIN, email="admin@fda.example.gov"),
    }
    firms = [factories.firm("Northwind Pharmaceuticals"), factories.firm("Meridian Sterile")]
    for firm in firms:
        factories.user(Role.FIRM_ADMIN, firm=firm)
    demo.seed(people=people, firms=firms)
    db.session.commit()

    sites = db.session.scalars(select(Site)).all()
    assert len(sites) == len(demo.FIRM_SITES) + len(demo.OTHER_SITES)
    for firm in firms:
        own = [s for s in sites if s.firm_id == firm.id]
        assert len(own) == 1
        site = own[0]
        assert assess(site).eligible
        assert site.contacts and site.contacts[0].email == firm.users[0].email
        assert any(log.outcome == ContactOutcome.REACHED for log in site.contact_logs)

    eligible = set(db.session.scalars(eligible_site_ids_subquery()))
    unaffiliated = [s for s in sites if s.firm_id is None]
    assert 3 <= sum(s.id in eligible for s in unaffiliated) < len(unaffiliated)
    assert any(s.eligibility_override for s in unaffiliated)
    assert any(s.contact_logs for s in unaffiliated)
    assert any(not s.contact_logs for s in unaffiliated)
    # Python and SQL agree on every demo site.
    assert {s.id for s in sites if assess(s).eligible} == eligible
