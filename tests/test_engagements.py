"""FDA's engagement pages (SPEC 6, 13): the list, one engagement, the regulatory flag, closing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import Role
from portal.engagements.models import Engagement, EngagementStatus
from portal.engagements.services import with_regulatory_flag
from portal.extensions import db
from portal.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_token_from, outbox
from tests.factories_feedback import engagement_with_people


def flag_of(engagement: Engagement) -> bool:
    db.session.expire_all()
    loaded = db.session.scalars(
        select(Engagement).options(with_regulatory_flag()).where(Engagement.id == engagement.id)
    ).one()
    return bool(loaded.regulatory_flag)


def test_an_open_action_recorded_after_the_engagement_opened_flags_it(app):
    engagement = factories.engagement(factories.firm(), opened_at=utcnow() - timedelta(days=10))
    site = engagement.site
    assert flag_of(engagement) is False
    # Recorded before the engagement opened: the eligibility check's business, not a flag.
    factories.regulatory_action(
        site, action_date=date(2020, 1, 1), created_at=utcnow() - timedelta(days=20)
    )
    assert flag_of(engagement) is False
    # Recorded since, but already closed: no flag.
    factories.regulatory_action(site, action_date=date(2026, 1, 2), closed_on=date(2026, 1, 3))
    assert flag_of(engagement) is False
    # Recorded since and open: flagged, and nothing is deleted or changed.
    factories.regulatory_action(site, action_date=date(2026, 1, 4))
    assert flag_of(engagement) is True
    assert db.session.get(Engagement, engagement.id).status == EngagementStatus.ACTIVE


def test_the_detail_page_shows_the_flag_and_the_actions_behind_it(client, sign_in, fda_staff):
    engagement = factories.engagement(factories.firm("Flagged Firm"))
    factories.regulatory_action(engagement.site, action_type="Import Alert", case_id="IA-66-40")
    sign_in(fda_staff)
    page = client.get(f"/engagements/{engagement.public_id}").get_data(as_text=True)
    assert "Flagged: open regulatory action" in page
    assert "Import Alert" in page and "IA-66-40" in page
    assert "Confidential commercial information" in page


def test_the_list_filters_by_status_flag_and_name(client, sign_in, fda_staff):
    calm = factories.engagement(factories.firm("Calm Pharma"))
    flagged = factories.engagement(factories.firm("Stormy Labs"))
    factories.regulatory_action(flagged.site)
    closed = factories.engagement(factories.firm("Finished Co"), status=EngagementStatus.CLOSED)
    sign_in(fda_staff)

    def listed(query: str = "") -> str:
        return client.get(f"/engagements{query}").get_data(as_text=True)

    page = listed()
    assert "Calm Pharma" in page and "Stormy Labs" in page and "Finished Co" not in page
    assert "Finished Co" in listed("?status=closed")
    assert "Calm Pharma" not in listed("?flagged=y") and "Stormy Labs" in listed("?flagged=y")
    assert "Stormy Labs" not in listed("?q=calm") and "Calm Pharma" in listed("?q=calm")
    assert "Calm Pharma" in listed(f"?q={calm.site.fei_number}")
    assert "No engagement matches these filters." in listed("?q=%25nothing%25")
    # A bad filter value is named and does not break the page.
    response = client.get("/engagements?status=bogus")
    assert response.status_code == 200
    assert 'id="status-error"' in response.get_data(as_text=True)
    assert closed.public_id and flagged.public_id


def test_the_list_is_paginated_and_its_query_count_does_not_grow(
    client, sign_in, fda_staff, count_queries
):
    sign_in(fda_staff)
    factories.engagement(factories.firm())
    db.session.commit()
    with count_queries() as one:
        assert client.get("/engagements").status_code == 200
    for _ in range(30):
        engagement = factories.engagement(factories.firm())
        factories.regulatory_action(engagement.site)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/engagements").get_data(as_text=True)
    assert one.count == many.count
    assert "Page 1 of 2" in page
    assert "Page 2 of 2" in client.get("/engagements?page=2").get_data(as_text=True)


def test_the_detail_page_query_count_does_not_grow(client, sign_in, fda_staff, count_queries):
    team = engagement_with_people(staff=1)
    sign_in(fda_staff)
    url = f"/engagements/{team.engagement.public_id}"
    factories.regulatory_action(team.engagement.site)
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for number in range(30):
        factories.user(Role.FIRM_STAFF, firm=team.firm)
        factories.regulatory_action(team.engagement.site, case_id=f"C{number}")
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count


def test_closing_needs_a_reason_keeps_everything_and_tells_the_firm(client, sign_in, fda_staff):
    team = engagement_with_people(staff=1)
    sign_in(fda_staff)
    url = f"/engagements/{team.engagement.public_id}/close"
    page = client.get(url).get_data(as_text=True)
    assert "nothing is deleted" in page
    response = client.post(url, data={"csrf_token": csrf_token_from(page), "reason": ""})
    assert 'id="reason-error"' in response.get_data(as_text=True)
    assert db.session.get(Engagement, team.engagement.id).status == EngagementStatus.ACTIVE
    response = client.post(url, data={"csrf_token": csrf_token_from(page), "reason": "Goals met."})
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Engagement, team.engagement.id)
    assert closed.status == EngagementStatus.CLOSED and closed.close_reason == "Goals met."
    (message,) = outbox("engagements_closed")
    assert set(message.recipient_list) == {team.admin.email, team.staff[0].email}
    assert f"/firm/engagements/{closed.public_id}" in message.body_text
    # Closing twice is refused without a change.
    client.post(url, data={"csrf_token": csrf_token_from(page), "reason": "Again."})
    db.session.expire_all()
    assert db.session.get(Engagement, team.engagement.id).close_reason == "Goals met."


def test_the_agreed_timeframe_is_shown(client, sign_in, fda_staff):
    engagement = factories.engagement(
        factories.firm(),
        timeframe_cadence="Quarterly meetings",
        timeframe_expected_end=date(2027, 6, 30),
        timeframe_recorded_at=utcnow(),
    )
    sign_in(fda_staff)
    page = client.get(f"/engagements/{engagement.public_id}").get_data(as_text=True)
    assert "Quarterly meetings" in page and "30 Jun 2027" in page
