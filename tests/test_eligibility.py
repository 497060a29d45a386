"""Eligibility (SPEC 2): each criterion with its evidence, the verdict, FDA's override."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.sites.eligibility import (
    EligibilityError,
    assess,
    clear_override,
    computed_eligibility_clause,
    eligible_site_ids_subquery,
    override_eligibility,
)
from portal.sites.models import Site
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_token_from


def eligible_ids() -> set[int]:
    return set(db.session.scalars(eligible_site_ids_subquery()))


def criteria(site: Site) -> dict:
    return {c.key: c for c in assess(site).criteria}


def test_an_eligible_site_meets_all_three_criteria_with_evidence(app):
    site = factories.site()
    factories.product(site, name="Atropine Sulfate Injection", shortage_vulnerable=True)
    factories.inspection(site, end_date=date(2017, 6, 1), fda_inspection_id="1023401")
    db.session.commit()
    result = assess(site)
    assert result.computed and result.eligible and not result.overridden
    found = criteria(site)
    assert found["shortage_vulnerable_product"].passed
    assert "Atropine Sulfate Injection" in found["shortage_vulnerable_product"].evidence[0]
    assert found["inspection_in_window"].passed
    evidence = found["inspection_in_window"].evidence[0]
    assert "Inspection 1023401 ended 1 Jun 2017 (FY2017)" in evidence
    assert found["no_open_regulatory_action"].passed
    assert site.id in eligible_ids()


def test_a_site_without_a_shortage_vulnerable_product_fails_a(app):
    site = factories.site()
    factories.product(site, name="Saline Flush", shortage_vulnerable=False)
    archived = factories.product(site, name="Old Injection", shortage_vulnerable=True)
    archived.archived_at = utcnow()  # an archived product is not made any more
    factories.inspection(site, end_date=date(2017, 6, 1))
    db.session.commit()
    found = criteria(site)["shortage_vulnerable_product"]
    assert not found.passed
    assert found.evidence == ("None of the site's 1 product is flagged shortage-vulnerable.",)
    assert not assess(site).eligible
    assert site.id not in eligible_ids()


def test_a_site_inspected_only_outside_the_window_fails_b_naming_the_latest(app):
    site = factories.site()
    factories.product(site, shortage_vulnerable=True)
    factories.inspection(site, end_date=date(2015, 3, 2), fda_inspection_id="900001")
    factories.inspection(site, end_date=date(2021, 5, 4), fda_inspection_id="900002")
    db.session.commit()
    found = criteria(site)["inspection_in_window"]
    assert not found.passed
    assert "Inspection 900002 ended 4 May 2021 (FY2021)" in found.evidence[0]
    assert site.id not in eligible_ids()


def test_an_open_regulatory_action_fails_c_until_recorded_closed(app, time_machine):
    time_machine.move_to(datetime(2026, 5, 15, 12, tzinfo=UTC))
    site = factories.eligible_site()
    action = factories.regulatory_action(
        site, action_type="Warning Letter", action_date=date(2019, 3, 1), case_id="570001"
    )
    db.session.commit()
    found = criteria(site)["no_open_regulatory_action"]
    assert not found.passed
    # The evidence gives each open action's date and age (an old one is a reason to look).
    assert found.evidence == (
        "Warning Letter of 1 Mar 2019 (case 570001), 7 years 2 months old, is open.",
    )
    assert site.id not in eligible_ids()

    action.closed_on = date(2020, 1, 15)
    db.session.commit()
    db.session.expire_all()
    assert criteria(site)["no_open_regulatory_action"].passed
    assert site.id in eligible_ids()


def test_a_site_with_no_records_fails_every_criterion_and_says_why(app):
    site = factories.site()
    db.session.commit()
    found = criteria(site)
    assert found["shortage_vulnerable_product"].evidence == (
        "No finished drug products are recorded for this site.",
    )
    assert found["inspection_in_window"].evidence == ("No inspections are recorded for this site.",)
    assert found["no_open_regulatory_action"].passed


def test_an_archived_site_is_never_eligible(app):
    site = factories.eligible_site()
    site.eligibility_override = True
    site.override_reason = "Sole supplier."
    site.archived_at = utcnow()
    db.session.commit()
    assert not assess(site).eligible
    assert site.id not in eligible_ids()


def test_override_needs_a_reason_and_is_audited(app, fda_staff):
    site = factories.site()  # computed: not eligible
    db.session.commit()
    with pytest.raises(EligibilityError, match="Write why"):
        override_eligibility(site, eligible=True, reason="   ", by=fda_staff)
    assert site.eligibility_override is None

    reason = "Sole U.S. source of a neonatal drug."
    override_eligibility(site, eligible=True, reason=reason, by=fda_staff)
    db.session.commit()
    result = assess(site)
    assert result.eligible and not result.computed and result.overridden
    assert result.override_reason == "Sole U.S. source of a neonatal drug."
    assert site.id in eligible_ids()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "site.eligibility_override")
    ).one()
    assert event.object_id == str(site.public_id)
    assert "Sole U.S. source" in event.detail


def test_an_override_can_make_an_eligible_site_ineligible_and_be_cleared(app, fda_staff):
    site = factories.eligible_site()
    db.session.commit()
    override_eligibility(site, eligible=False, reason="Site closing next year.", by=fda_staff)
    db.session.commit()
    assert not assess(site).eligible and assess(site).computed
    assert site.id not in eligible_ids()

    assert clear_override(site)
    db.session.commit()
    assert assess(site).eligible and not assess(site).overridden
    assert site.id in eligible_ids()
    cleared = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "site.eligibility_override_cleared")
    ).one()
    assert "Site closing next year." in cleared.detail  # the reason is kept
    assert not clear_override(site)  # nothing to clear


def test_sql_and_python_agree_on_a_mix_of_sites(app):
    sites = []
    for vulnerable in (True, False):
        for end in (date(2016, 9, 30), date(2017, 12, 1)):
            for open_action in (True, False):
                site = factories.site()
                factories.product(site, shortage_vulnerable=vulnerable)
                factories.inspection(site, end_date=end)
                if open_action:
                    factories.regulatory_action(site)
                sites.append(site)
    db.session.commit()
    computed = set(db.session.scalars(select(Site.id).where(computed_eligibility_clause())))
    assert {s.id for s in sites if assess(s).computed} == computed == eligible_ids()
    assert len(computed) == 1


# --- the pages ---------------------------------------------------------------------------------


def test_override_page_refuses_a_blank_reason_and_changes_nothing(app, client, sign_in, fda_staff):
    site = factories.site()
    sign_in(fda_staff)
    url = f"/sites/{site.public_id}/eligibility"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "verdict": "eligible", "reason": ""})
    assert response.status_code == 200
    assert 'id="reason-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Site, site.id).eligibility_override is None


def test_override_page_saves_the_verdict_and_the_site_page_shows_it(
    app, client, sign_in, fda_staff
):
    site = factories.site()
    sign_in(fda_staff)
    url = f"/sites/{site.public_id}/eligibility"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={"csrf_token": token, "verdict": "eligible", "reason": "Only maker of X."}
    )
    assert response.status_code == 302
    page = client.get(f"/sites/{site.public_id}").get_data(as_text=True)
    assert "by FDA&#39;s override" in page
    assert "Only maker of X." in page
    assert "Clear the override" in page

    token = csrf_token_from(page)
    client.post(f"/sites/{site.public_id}/eligibility/clear", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Site, site.id).eligibility_override is None
    page = client.get(f"/sites/{site.public_id}").get_data(as_text=True)
    assert "Override history" in page and "Only maker of X." in page


def test_each_site_page_shows_its_own_override_history(app, client, sign_in, fda_staff):
    """The history's statement is built once per process, the site a bound parameter."""
    first = factories.eligible_site(legal_name="First Site")
    second = factories.eligible_site(legal_name="Second Site")
    db.session.commit()
    override_eligibility(first, eligible=False, reason="First's reason.", by=fda_staff)
    override_eligibility(second, eligible=False, reason="Second's reason.", by=fda_staff)
    db.session.commit()
    sign_in(fda_staff)
    for site, own, other in ((first, "First", "Second"), (second, "Second", "First")):
        page = client.get(f"/sites/{site.public_id}").get_data(as_text=True)
        history = page[page.index("Override history") :]
        assert f"{own}&#39;s reason." in history and f"{other}&#39;s reason." not in history
