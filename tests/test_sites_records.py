"""Changing what FDA knows of a site (SPEC 1, 3): sites, contacts, products, regulatory
actions and the contact log. Each rule is held by the service and shown beside the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.sites import record_services as records
from portal.sites import services
from portal.sites.models import ContactLog, ContactOutcome, Product, RegulatoryAction, Site
from portal.timeutil import UTC, utcnow
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories_sites import count_rows


@pytest.fixture
def staff(client, sign_in, fda_staff):
    sign_in(fda_staff)
    return client


def post_form(client, url: str, data: dict):
    """GET the form (for its CSRF token), then POST it."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def actions(prefix: str) -> list[str]:
    stmt = (
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith(prefix))
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


SITE = {
    "fei_number": "3002806560",
    "legal_name": "Lakeshore Sterile Injectables, LLC",
    "address_line1": "1200 Harbor Road",
    "city": "Racine",
    "state": "Wisconsin",
    "postal_code": "53403",
    "country": "United States",
}


# --- sites ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fei", "message"),
    [
        ("30028O6560", "digits only"),
        ("3002 806560", "digits only"),
        ("-3002806560", "digits only"),
        ("３００２８０６５６０", "digits only"),  # full-width digits are not ASCII digits
        ("1234567890123456", "at most 15"),
        ("", "Enter the FEI number."),
    ],
)
def test_a_bad_fei_number_is_refused_beside_the_field(app, staff, fei, message):
    response = post_form(staff, "/sites/new", {**SITE, "fei_number": fei})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="fei_number-error"' in page and message in page
    assert count_rows(Site) == 0


def test_an_fei_number_is_unique(app, staff):
    factories.site(fei_number="3002806560")
    db.session.commit()
    response = post_form(staff, "/sites/new", SITE)
    assert "Another site already has FEI number 3002806560" in response.get_data(as_text=True)
    assert count_rows(Site) == 1
    with pytest.raises(services.SiteError):
        services.create_site(services.SiteDetails(fei_number="3002806560", legal_name="X"))


def test_adding_a_site_by_hand(app, staff):
    response = post_form(staff, "/sites/new", {**SITE, "fei_number": " 3002806560 "})
    assert response.status_code == 302
    site = db.session.scalars(select(Site)).one()
    assert site.fei_number == "3002806560"
    assert site.name_key == "lakeshore sterile injectables"
    assert actions("site.create") == ["site.create"]


def test_editing_a_site_keeps_fei_unique_and_renames_its_match_key(app, staff):
    factories.site(fei_number="1111111")
    site = factories.site(fei_number="2222222", legal_name="Old Name Inc.")
    db.session.commit()
    url = f"/sites/{site.public_id}/edit"
    refused = post_form(staff, url, {**SITE, "fei_number": "1111111"})
    assert "Another site already has FEI number 1111111" in refused.get_data(as_text=True)
    saved = post_form(staff, url, {**SITE, "fei_number": "2222222"})
    assert saved.status_code == 302
    db.session.expire_all()
    site = db.session.get(Site, site.id)
    assert site.legal_name == SITE["legal_name"]
    assert site.name_key == "lakeshore sterile injectables"
    assert actions("site.update") == ["site.update"]


def test_a_renamed_site_is_proposed_for_a_listed_company(app, staff):
    from portal.imports.models import ShortageMatch

    factories.shortage_entry(
        company_name="Lakeshore Sterile Injectables LLC",
        company_key="lakeshore sterile injectables",
    )
    site = factories.site(legal_name="Unrelated Name Corp.")
    db.session.commit()
    assert count_rows(ShortageMatch) == 0
    post_form(staff, f"/sites/{site.public_id}/edit", {**SITE, "fei_number": site.fei_number})
    match = db.session.scalars(select(ShortageMatch)).one()
    assert match.site_id == site.id


def test_archiving_a_site_asks_first_and_can_be_undone(app, staff):
    site = factories.eligible_site()
    db.session.commit()
    confirm = staff.get(f"/sites/{site.public_id}/archive")
    assert "Archive" in confirm.get_data(as_text=True)
    assert db.session.get(Site, site.id).archived_at is None  # the GET changed nothing
    post_form(staff, f"/sites/{site.public_id}/archive", {})
    db.session.expire_all()
    assert db.session.get(Site, site.id).archived_at is not None
    page = staff.get(f"/sites/{site.public_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    staff.post(f"/sites/{site.public_id}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Site, site.id).archived_at is None
    assert actions("site.a") == ["site.archive"] and actions("site.restore") == ["site.restore"]


# --- contacts -------------------------------------------------------------------------------------


def test_a_contact_needs_a_valid_email_or_a_phone(app, staff):
    site = factories.site()
    db.session.commit()
    url = f"/sites/{site.public_id}/contacts/new"
    bad = post_form(staff, url, {"name": "Rita Gomez", "email": "rita@", "phone": ""})
    assert 'id="email-error"' in bad.get_data(as_text=True)
    assert "name@example.com" in bad.get_data(as_text=True)
    neither = post_form(staff, url, {"name": "Rita Gomez", "email": "", "phone": ""})
    assert "Enter an email address or a phone number" in neither.get_data(as_text=True)
    assert site.contacts == []
    good = post_form(
        staff,
        url,
        {"name": "Rita Gomez", "title": "Head of Quality", "email": "Rita@Lakeshore.example.com"},
    )
    assert good.status_code == 302
    db.session.expire_all()
    contact = db.session.get(Site, site.id).contacts[0]
    assert (contact.name, contact.title, contact.email) == (
        "Rita Gomez",
        "Head of Quality",
        "rita@lakeshore.example.com",
    )


def test_a_contact_is_edited_archived_and_restored_never_deleted(app, staff):
    site = factories.site()
    contact = factories.site_contact(site, name="Rita Gomez")
    db.session.commit()
    post_form(
        staff,
        f"/sites/contacts/{contact.public_id}/edit",
        {"name": "Rita Gómez", "title": "QA Director", "email": contact.email, "phone": ""},
    )
    page = staff.get(f"/sites/{site.public_id}").get_data(as_text=True)
    token = csrf_token_from(page)
    staff.post(f"/sites/contacts/{contact.public_id}/archive", data={"csrf_token": token})
    db.session.expire_all()
    contact = db.session.get(type(contact), contact.id)
    assert contact.name == "Rita Gómez" and contact.archived_at is not None
    staff.post(f"/sites/contacts/{contact.public_id}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(type(contact), contact.id).archived_at is None
    assert actions("site_contact.") == [
        "site_contact.update",
        "site_contact.archive",
        "site_contact.restore",
    ]


# --- products -------------------------------------------------------------------------------------


def test_flagging_a_product_by_hand_needs_a_note(app, staff):
    site = factories.site()
    db.session.commit()
    url = f"/sites/{site.public_id}/products/new"
    refused = post_form(staff, url, {"name": "Atropine Injection", "shortage_vulnerable": "y"})
    assert 'id="vulnerability_note-error"' in refused.get_data(as_text=True)
    assert count_rows(Product) == 0
    post_form(
        staff,
        url,
        {
            "name": "Atropine Injection",
            "shortage_vulnerable": "y",
            "vulnerability_note": "Sole U.S. supplier of the 0.4 mg/mL vial.",
        },
    )
    product = db.session.scalars(select(Product)).one()
    assert product.shortage_vulnerable and product.vulnerability_source == "manual"
    assert product.vulnerability_note == "Sole U.S. supplier of the 0.4 mg/mL vial."
    assert actions("product.") == ["product.create"]


def test_a_product_name_is_unique_on_its_site(app, staff):
    site = factories.site()
    factories.product(site, name="Atropine Injection", shortage_vulnerable=False)
    db.session.commit()
    response = post_form(
        staff, f"/sites/{site.public_id}/products/new", {"name": "Atropine Injection"}
    )
    assert "already has a product named Atropine Injection" in response.get_data(as_text=True)
    assert count_rows(Product) == 1


def test_unflagging_and_archiving_a_product(app, staff):
    site = factories.site()
    product = factories.product(site, name="Atropine Injection", shortage_vulnerable=True)
    db.session.commit()
    post_form(
        staff,
        f"/sites/products/{product.public_id}/edit",
        {"name": "Atropine Injection", "vulnerability_note": "Second supplier approved."},
    )
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert not product.shortage_vulnerable and product.vulnerability_source == ""
    token = csrf_token_from(staff.get(f"/sites/{site.public_id}").get_data(as_text=True))
    staff.post(f"/sites/products/{product.public_id}/archive", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Product, product.id).archived_at is not None
    staff.post(f"/sites/products/{product.public_id}/restore", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Product, product.id).archived_at is None


# --- regulatory actions -----------------------------------------------------------------------


def test_recording_an_action_by_hand_makes_the_site_ineligible(app, staff, fda_staff):
    site = factories.eligible_site()
    db.session.commit()
    url = f"/sites/{site.public_id}/actions/new"
    future = (utcnow() + timedelta(days=3)).date().isoformat()
    refused = post_form(staff, url, {"action_type": "Warning Letter", "action_date": future})
    assert "cannot be in the future" in refused.get_data(as_text=True)
    bad_kind = post_form(staff, url, {"action_type": "Parking ticket", "action_date": "2024-01-02"})
    assert 'id="action_type-error"' in bad_kind.get_data(as_text=True)
    bad_date = post_form(staff, url, {"action_type": "Import Alert", "action_date": "2024-02-30"})
    assert "Enter a real date" in bad_date.get_data(as_text=True)
    assert count_rows(RegulatoryAction) == 0

    post_form(
        staff, url, {"action_type": "Import Alert", "action_date": "2024-01-02", "case_id": "66-40"}
    )
    action = db.session.scalars(select(RegulatoryAction)).one()
    assert action.is_open and action.source == "manual" and action.recorded_by_id == fda_staff.id
    again = post_form(
        staff, url, {"action_type": "Import Alert", "action_date": "2024-01-02", "case_id": "66-40"}
    )
    assert "already recorded" in again.get_data(as_text=True)
    page = staff.get(f"/sites/{site.public_id}").get_data(as_text=True)
    assert "Import Alert of 2 Jan 2024 (case 66-40), " in page


def test_closing_an_action_needs_a_note_and_a_sensible_date(app, staff, fda_staff):
    site = factories.eligible_site()
    action = factories.regulatory_action(site, action_date=date(2019, 3, 1))
    db.session.commit()
    url = f"/sites/actions/{action.public_id}/close"
    no_note = post_form(staff, url, {"closed_on": "2020-01-15", "note": ""})
    assert 'id="note-error"' in no_note.get_data(as_text=True)
    too_early = post_form(staff, url, {"closed_on": "2019-02-01", "note": "Close-out letter."})
    assert "cannot be before the action itself" in too_early.get_data(as_text=True)
    assert db.session.get(RegulatoryAction, action.id).is_open

    done = post_form(staff, url, {"closed_on": "2020-01-15", "note": "Close-out letter issued."})
    assert done.status_code == 302
    db.session.expire_all()
    action = db.session.get(RegulatoryAction, action.id)
    assert action.closed_on == date(2020, 1, 15) and action.closed_by_id == fda_staff.id
    assert action.closed_note == "Close-out letter issued."
    assert actions("regulatory_action.") == ["regulatory_action.close"]
    with pytest.raises(services.SiteError, match="already recorded closed"):
        records.close_regulatory_action(action, closed_on=date(2020, 2, 1), note="x", by=fda_staff)
    # The closing page now just says so.
    assert staff.get(url).status_code == 302
    page = staff.get(f"/sites/{site.public_id}").get_data(as_text=True)
    assert "Eligible</strong>: all three criteria are met." in page


# --- the contact log (SPEC 3) -------------------------------------------------------------------


def test_a_call_is_entered_in_the_viewers_zone_and_stored_in_utc(app, client, sign_in):
    caller = factories.user(Role.FDA_STAFF, timezone="America/Los_Angeles")
    site = factories.site()
    sign_in(caller)
    response = post_form(
        client,
        f"/sites/{site.public_id}/calls/new",
        {
            "called_at": "2026-03-02T09:30",
            "caller": str(caller.public_id),
            "outcome": "reached",
            "person_reached": "Rita Gomez, Head of Quality",
            "notes": "Interested; send the letter.",
        },
    )
    assert response.status_code == 302
    log = db.session.scalars(select(ContactLog)).one()
    assert log.called_at == datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    assert log.caller_id == caller.id and log.outcome == ContactOutcome.REACHED
    page = client.get(f"/sites/{site.public_id}").get_data(as_text=True)
    assert "Mon 2 Mar 2026, 09:30 PST" in page
    assert actions("contact_log.") == ["contact_log.create"]


def test_the_call_form_defaults_to_the_signed_in_caller(app, staff, fda_staff):
    factories.user(Role.FDA_ADMIN, full_name="Another Person")
    site = factories.site()
    db.session.commit()
    page = staff.get(f"/sites/{site.public_id}/calls/new").get_data(as_text=True)
    assert f'<option selected value="{fda_staff.public_id}">' in page


@pytest.mark.parametrize(
    ("called_at", "message"),
    [
        ("2026-03-08T02:30", "does not exist in America/New_York"),  # clocks went forward
        ("2099-01-01T10:00", "cannot be in the future"),
        ("2026-02-30T10:00", "Enter the date and the time"),
    ],
)
def test_an_impossible_call_time_is_refused(app, staff, fda_staff, called_at, message):
    site = factories.site()
    db.session.commit()
    response = post_form(
        staff,
        f"/sites/{site.public_id}/calls/new",
        {"called_at": called_at, "caller": str(fda_staff.public_id), "outcome": "no_answer"},
    )
    page = response.get_data(as_text=True)
    assert 'id="called_at-error"' in page and message in page
    assert count_rows(ContactLog) == 0


def test_a_reached_call_names_the_person(app, staff, fda_staff):
    site = factories.site()
    db.session.commit()
    response = post_form(
        staff,
        f"/sites/{site.public_id}/calls/new",
        {"called_at": "2026-03-02T09:30", "caller": str(fda_staff.public_id), "outcome": "reached"},
    )
    assert 'id="person_reached-error"' in response.get_data(as_text=True)
    assert count_rows(ContactLog) == 0


def test_the_letter_waits_for_a_call_in_which_the_site_was_reached(app, fda_staff):
    site = factories.site()
    db.session.commit()
    assert services.letter_blocker(site) == (
        "Log a phone call in which you spoke with the site before sending the letter."
    )
    for outcome in (
        ContactOutcome.NO_ANSWER,
        ContactOutcome.LEFT_MESSAGE,
        ContactOutcome.WRONG_NUMBER,
    ):
        factories.contact_log(site, fda_staff, outcome=outcome)
    db.session.commit()
    assert services.letter_blocker(site) is not None
    factories.contact_log(site, fda_staff, outcome=ContactOutcome.REACHED)
    db.session.commit()
    assert services.letter_blocker(site) is None
    other = factories.site()
    db.session.commit()
    assert services.letter_blocker(other) is not None  # another site's call does not count


def test_a_call_cannot_be_logged_by_a_firm_user(app, fda_staff, firm_admin):
    site = factories.site()
    with pytest.raises(services.SiteError, match="FDA person"):
        services.log_call(
            site,
            called_at=utcnow() - timedelta(hours=1),
            caller=firm_admin,
            outcome=ContactOutcome.NO_ANSWER,
        )


def test_two_people_adding_one_fei_at_once_get_a_message_not_an_error(app, staff, monkeypatch):
    factories.site(fei_number="3002806560")
    db.session.commit()
    # The other person's site was saved after this one's check ran.
    monkeypatch.setattr(services, "_check_site", lambda details, site: None)
    response = post_form(staff, "/sites/new", SITE)
    assert response.status_code == 200
    assert "Another site was just saved with FEI number 3002806560" in response.get_data(
        as_text=True
    )
    assert count_rows(Site) == 1
