"""The FDA site list and the site page (SPEC 1-3): search, filters, pagination, one page
with everything, a fixed number of queries whatever the data size."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.invitations.models import InvitationStatus
from portal.sites.models import ContactOutcome
from portal.timeutil import UTC
from tests import factories
from tests.conftest import without_csrf_token


@pytest.fixture
def staff_client(client, sign_in, fda_staff):
    return sign_in(fda_staff)


def listed(response) -> str:
    assert response.status_code == 200
    return without_csrf_token(response.get_data(as_text=True))


def test_the_list_searches_by_fei_and_by_name(app, staff_client):
    factories.site(fei_number="3004561553", legal_name="Northgate Generics Private Limited")
    factories.site(fei_number="1000245873", legal_name="Valle Verde Farmacéutica")
    factories.site(fei_number="2000111222", legal_name="Alpine 100% BioLabs")
    db.session.commit()
    by_fei = listed(staff_client.get("/sites?q=30045"))
    assert "Northgate Generics" in by_fei and "Valle Verde" not in by_fei
    by_name = listed(staff_client.get("/sites?q=valle verde"))
    assert "Valle Verde" in by_name and "Northgate" not in by_name
    # "%" is a character to find, not a wildcard.
    literal = listed(staff_client.get("/sites?q=100%25"))
    assert "Alpine 100% BioLabs" in literal and "Northgate" not in literal
    nothing = listed(staff_client.get("/sites?q=zzzz"))
    assert "No sites match this search" in nothing


def test_the_list_filters_by_country_eligibility_and_invitation(app, staff_client, fda_staff):
    eligible_us = factories.eligible_site(legal_name="Eligible US Site", country="United States")
    factories.eligible_site(legal_name="Eligible Indian Site", country="India")
    factories.site(legal_name="Plain US Site", country="United States")
    factories.invitation(eligible_us, fda_staff, status=InvitationStatus.SENT)
    db.session.commit()

    india = listed(staff_client.get("/sites?country=India"))
    assert "Eligible Indian Site" in india and "Eligible US Site" not in india

    eligible = listed(staff_client.get("/sites?eligibility=eligible"))
    assert "Eligible US Site" in eligible and "Eligible Indian Site" in eligible
    assert "Plain US Site" not in eligible
    not_eligible = listed(staff_client.get("/sites?eligibility=not_eligible"))
    assert "Plain US Site" in not_eligible and "Eligible US Site" not in not_eligible

    invited = listed(staff_client.get("/sites?invitation=sent"))
    assert "Eligible US Site" in invited and "Plain US Site" not in invited
    assert "Letter sent, awaiting reply" in invited
    never = listed(staff_client.get("/sites?invitation=none&country=United+States"))
    assert "Plain US Site" in never and "Eligible US Site" not in never


def test_the_latest_invitation_decides_the_status(app, staff_client, fda_staff):
    site = factories.eligible_site(legal_name="Re-invited Site")
    earlier = datetime(2025, 1, 1, tzinfo=UTC)
    factories.invitation(site, fda_staff, status=InvitationStatus.DECLINED, sent_at=earlier)
    factories.invitation(
        site, fda_staff, status=InvitationStatus.SENT, sent_at=earlier + timedelta(days=200)
    )
    db.session.commit()
    assert "Re-invited Site" in listed(staff_client.get("/sites?invitation=sent"))
    assert "Re-invited Site" not in listed(staff_client.get("/sites?invitation=declined"))


def test_archived_sites_are_hidden_unless_asked_for(app, staff_client):
    site = factories.site(legal_name="Closed Plant Ltd")
    site.archived_at = datetime.now(UTC)
    db.session.commit()
    assert "Closed Plant Ltd" not in listed(staff_client.get("/sites"))
    assert "Closed Plant Ltd" in listed(staff_client.get("/sites?archived=y"))


def test_the_list_is_paginated(app, staff_client):
    for number in range(30):
        factories.site(legal_name=f"Paged Site {number:02d}")
    db.session.commit()
    first = listed(staff_client.get("/sites"))
    assert "Paged Site 00" in first and "Paged Site 24" in first and "Paged Site 25" not in first
    assert "Page 1 of 2" in first
    second = listed(staff_client.get("/sites?page=2"))
    assert "Paged Site 25" in second and "Paged Site 29" in second and "Paged Site 00" not in second
    # A page past the end is the last page (portal/paging.py): a stale link still shows sites.
    assert listed(staff_client.get("/sites?page=9")) == second


def test_an_empty_list_says_how_to_start(app, staff_client):
    page = listed(staff_client.get("/sites"))
    assert "No sites yet. Import the Data Dashboard files" in page


def test_a_bad_filter_value_is_dropped_and_the_others_still_apply(app, staff_client):
    factories.site(legal_name="Any Site")
    factories.site(legal_name="Other Site")
    db.session.commit()
    page = listed(staff_client.get("/sites?eligibility=maybe&country=Atlantis&page=x&q=any"))
    assert "Any Site" in page and "Other Site" not in page
    assert 'id="eligibility-error"' in page and 'id="country-error"' in page


def _populated_site(size: int, caller):
    site = factories.site(legal_name="Counted Site")
    for number in range(size):
        factories.product(site, name=f"Product {number}", shortage_vulnerable=number % 2 == 0)
        factories.inspection(site, end_date=date(2017, 1, 1) + timedelta(days=number))
        factories.regulatory_action(site, action_date=date(2019, 1, 1) + timedelta(days=number))
        factories.site_contact(site)
        factories.contact_log(site, caller, outcome=ContactOutcome.NO_ANSWER)
    return site


def test_the_site_page_issues_the_same_queries_for_1_and_for_30_records(
    app, staff_client, fda_staff, count_queries
):
    counts = []
    for size in (1, 30):
        site = _populated_site(size, fda_staff)
        factories.user(Role.FDA_STAFF)  # another possible caller
        db.session.commit()
        with count_queries() as counter:
            assert staff_client.get(f"/sites/{site.public_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_list_issues_the_same_queries_for_1_and_for_30_sites(
    app, staff_client, fda_staff, count_queries
):
    counts = []
    for size in (1, 30):
        for number in range(size):
            site = factories.eligible_site(country=f"Country {number}")
            factories.invitation(site, fda_staff)
            factories.regulatory_action(site)
        db.session.commit()
        with count_queries() as counter:
            assert staff_client.get("/sites?eligibility=not_eligible").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_site_page_shows_everything_fda_knows(app, staff_client, fda_staff):
    site = factories.site(legal_name="Lakeshore Sterile Injectables, LLC", fei_number="3002806560")
    factories.product(site, name="Atropine Sulfate Injection", shortage_vulnerable=True)
    factories.product(site, name="Saline Flush", shortage_vulnerable=False)
    factories.inspection(site, end_date=date(2017, 3, 9), fda_inspection_id="1023401")
    factories.regulatory_action(
        site, action_type="Warning Letter", action_date=date(2019, 3, 1), case_id="570001"
    )
    factories.site_contact(
        site,
        name="Rita Gomez",
        title="Head of Quality",
        email="rita@lakeshore.example.com",
        phone="+1 262 555 0199",
    )
    factories.contact_log(
        site,
        fda_staff,
        called_at=datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
        person_reached="Rita Gomez",
        outcome=ContactOutcome.LEFT_MESSAGE,
        notes="Will call back Tuesday.",
    )
    db.session.commit()
    page = listed(staff_client.get(f"/sites/{site.public_id}"))
    for text in (
        "Confidential commercial information",
        "3002806560",
        "Atropine Sulfate Injection",
        "Saline Flush",
        "1023401",
        "FY2017",
        "Warning Letter",
        "570001",
        "Rita Gomez",
        "Head of Quality",
        "rita@lakeshore.example.com",
        "+1 262 555 0199",
        "Left a message",
        "Will call back Tuesday.",
        "Mon 2 Mar 2026, 10:30 EST",  # the viewer's zone, named
        "Not eligible",
        "Warning Letter of 1 Mar 2019 (case 570001), ",
        "The invitation letter cannot be sent yet.",
    ):
        assert text in page, text
    assert page.count("<h1") == 1


def test_the_site_page_composes_the_letters_section_for_its_site(app, staff_client, monkeypatch):
    from portal.invitations import fda_sections

    site = factories.site()
    db.session.commit()
    seen = []
    real = fda_sections.site_invitations

    def site_invitations(asked):
        seen.append(asked.id)
        return real(asked)

    monkeypatch.setattr(fda_sections, "site_invitations", site_invitations)
    page = listed(staff_client.get(f"/sites/{site.public_id}"))
    assert "Invitation letters and engagement" in page
    assert seen == [site.id]


def test_firm_users_cannot_see_sites(app, client, sign_in, firm_admin):
    site = factories.site(firm_id=firm_admin.firm_id)
    db.session.commit()
    sign_in(firm_admin)
    assert client.get("/sites").status_code == 404
    assert client.get(f"/sites/{site.public_id}").status_code == 404


def test_opening_a_site_page_is_audited(app, staff_client):
    from portal.audit.models import AuditEvent

    site = factories.site()
    db.session.commit()
    staff_client.get(f"/sites/{site.public_id}")
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_id == str(site.public_id))
    ).all()
    assert [e.action for e in events] == ["site.view"]
