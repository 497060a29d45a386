"""Time zones (issue 16): a usable list and the person's own zone asked at account set-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from portal.auth.models import Role
from portal.extensions import db
from portal.sites.services import SiteError, moment_from_local
from portal.templating import local_time_element
from portal.timeutil import LocalTimeError, local_to_utc
from portal.timezones import US_ZONES, country_code, listed_zones, zone_choices
from tests import factories
from tests.conftest import outbox


def test_no_obsolete_aliases_are_offered():
    zones = listed_zones()
    for alias in ("Africa/Asmera", "Africa/Timbuktu", "US/Eastern", "America/Buenos_Aires"):
        assert alias not in zones
    for real in ("Africa/Asmara", "America/New_York", "Europe/Amsterdam", "Asia/Kolkata", "UTC"):
        assert real in zones
    assert len(zones) < 450


def test_us_zones_first_then_the_sites_country():
    options = zone_choices("Germany")
    assert [o.value for o in options[: len(US_ZONES)]] == [zone for zone, _ in US_ZONES]
    assert options[len(US_ZONES)].value == "Europe/Berlin"
    assert options[len(US_ZONES)].optgroup == "Germany"
    values = [o.value for o in options]
    assert len(values) == len(set(values)), "each zone once"


@pytest.mark.parametrize(
    ("country", "code"),
    [("United States", "US"), ("India", "IN"), ("Czech Republic", "CZ"), ("IE", "IE"), ("", None)],
)
def test_site_countries_map_to_tzdata_codes(country, code):
    assert country_code(country) == code


def test_a_stored_alias_stays_choosable():
    assert "US/Eastern" in [o.value for o in zone_choices(current="US/Eastern")]


def _activation_link(app, fda_admin):
    from portal.auth import services

    person = services.create_user(
        email="new.person@firm.example.com",
        full_name="New Person",
        role=Role.FIRM_STAFF,
        firm=factories.firm(),
        invited_by=fda_admin,
    )
    db.session.commit()
    message = outbox("account_activation")[0]
    return person, re.search(r"http://portal\.test(/\S+)", message.body_text).group(1)


def test_activation_asks_for_the_persons_time_zone(client, app, fda_admin, no_csrf):
    person, link = _activation_link(app, fda_admin)
    page = client.get(link).get_data(as_text=True)
    assert '<label class="usa-label" for="timezone">Your time zone</label>' in page
    assert "data-zone-detect" in page
    assert '<optgroup label="United States">' in page
    password = "amber lighthouse seventeen river"
    response = client.post(
        link, data={"password": password, "confirm": password, "timezone": "Europe/Dublin"}
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.timezone == "Europe/Dublin"


def test_activation_refuses_a_zone_not_listed_and_changes_nothing(client, app, fda_admin, no_csrf):
    person, link = _activation_link(app, fda_admin)
    password = "amber lighthouse seventeen river"
    response = client.post(
        link, data={"password": password, "confirm": password, "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert 'id="timezone-error"' in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.password_hash is None and person.timezone != "Mars/Olympus"


def test_the_service_refuses_an_unknown_zone(app, fda_admin):
    from portal.auth import services
    from portal.auth.models import TokenPurpose

    with pytest.raises(services.AccountError, match="time zone"):
        services.redeem_token("x", TokenPurpose.ACTIVATION, "pw", timezone="Mars/Olympus")


def test_a_typed_time_becomes_utc_one_way_for_meetings_and_calls():
    """Local time -> UTC is one definition (issue 11): a logged call and a meeting agree on
    the repeated autumn hour and refuse the skipped spring hour with the same words."""
    repeated = datetime(2026, 11, 1, 1, 30)
    assert moment_from_local(repeated, "America/New_York") == local_to_utc(
        repeated, "America/New_York"
    )
    skipped = datetime(2026, 3, 8, 2, 30)
    with pytest.raises(LocalTimeError) as meeting_error:
        local_to_utc(skipped, "America/New_York")
    with pytest.raises(SiteError) as call_error:
        moment_from_local(skipped, "America/New_York")
    assert str(call_error.value) == str(meeting_error.value)
    assert call_error.value.field == "called_at"


def test_a_time_element_carries_the_utc_moment_and_the_local_text(app):
    """``| local_time``: machine-readable UTC in the attribute, the zone named in the text;
    built without Markup.format, so the text is still escaped and the result is Markup."""
    moment = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    with app.test_request_context():
        element = local_time_element(moment, "America/New_York")
        assert isinstance(element, Markup)
        assert element == '<time datetime="2026-03-03T15:00:00Z">Tue 3 Mar 2026, 10:00 EST</time>'
        assert local_time_element(None) == ""
