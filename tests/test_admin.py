"""The program manager's pages: FDA accounts and program settings."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.models import Role, User, UserStatus
from portal.extensions import db
from portal.program.settings import get_setting
from tests import factories
from tests.conftest import login_as, outbox


def test_adding_an_fda_account_emails_a_set_up_link(client, fda_admin, no_csrf):
    login_as(client, fda_admin)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Person@FDA.example.gov",
            "full_name": "New Person",
            "title": "CSO",
            "role": "fda_staff",
        },
    )
    assert response.status_code == 302
    person = db.session.scalars(
        select(User).where(User.email == "new.person@fda.example.gov")
    ).one()
    assert person.role == Role.FDA_STAFF and person.status == UserStatus.INVITED
    (message,) = outbox("account_activation")
    assert message.recipients == person.email and "/activate/" in message.body_text


def test_duplicate_email_is_refused_beside_the_field(client, fda_admin, no_csrf):
    login_as(client, fda_admin)
    response = client.post(
        "/admin/users/new",
        data={"email": fda_admin.email, "full_name": "Again", "title": "", "role": "fda_staff"},
    )
    assert b"already exists" in response.data
    assert b'id="email-error"' in response.data
    assert outbox() == []


def test_deactivation_asks_first(client, fda_admin, no_csrf):
    person = factories.user(Role.FDA_STAFF)
    login_as(client, fda_admin)
    page = client.get(f"/admin/users/{person.public_id}/deactivate")
    assert b"will be signed out at once" in page.data
    db.session.refresh(person)
    assert person.status == UserStatus.ACTIVE
    client.post(f"/admin/users/{person.public_id}/deactivate")
    db.session.refresh(person)
    assert person.status == UserStatus.DEACTIVATED
    client.post(f"/admin/users/{person.public_id}/reactivate")
    db.session.refresh(person)
    assert person.status == UserStatus.ACTIVE


def test_the_manager_cannot_deactivate_themselves(client, fda_admin, no_csrf):
    login_as(client, fda_admin)
    client.post(f"/admin/users/{fda_admin.public_id}/deactivate")
    db.session.refresh(fda_admin)
    assert fda_admin.status == UserStatus.ACTIVE


def settings_data(**changes):
    data = {
        "inspection_window_start_fy": 2017,
        "inspection_window_end_fy": 2018,
        "invitation_expiry_days": 30,
        "question_deadline_days": 14,
        "survey_close_days": 30,
        "feedback_reminder_days": 7,
        "open_action_review_years": 5,
        "document_max_megabytes": 25,
        "documents_per_record": 10,
        "site_creating_product_types": "Drugs",
    }
    data.update(changes)
    return data


def test_settings_change_and_are_audited(client, fda_admin, no_csrf):
    login_as(client, fda_admin)
    response = client.post("/admin/settings", data=settings_data(invitation_expiry_days=45))
    assert response.status_code == 302
    assert get_setting("invitation_expiry_days") == 45
    from portal.audit.models import AuditEvent

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert "invitation_expiry_days: 30 -> 45" in event.one().detail


def test_bad_settings_change_nothing(client, fda_admin, no_csrf):
    login_as(client, fda_admin)
    response = client.post(
        "/admin/settings",
        data=settings_data(inspection_window_start_fy=2019, inspection_window_end_fy=2018),
    )
    assert b"must not be after its last" in response.data
    response = client.post("/admin/settings", data=settings_data(invitation_expiry_days="many"))
    assert b'id="invitation_expiry_days-error"' in response.data
    response = client.post("/admin/settings", data=settings_data(survey_close_days=0))
    assert b"Enter a number from 1 to 365" in response.data
    assert get_setting("inspection_window_start_fy") == 2017
    assert get_setting("survey_close_days") == 30
