"""The program manager's per-person TOTP recovery allowance for FDA staff (issue 14)."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from tests import factories


def url(person):
    return f"/admin/users/{person.public_id}/sign-in-recovery"


def test_program_manager_allows_recovery_for_a_limited_time(client, sign_in, fda_admin, no_csrf):
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    sign_in(fda_admin)
    assert b"is <strong>not allowed</strong>" in client.get(url(person)).data
    response = client.post(url(person), data={"days": "3", "reason": "key lost on a trip"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.totp_recovery_until is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.totp_recovery_allowed")
    ).one()
    assert event.actor_id == fda_admin.id and "key lost on a trip" in event.detail
    client.post(url(person) + "/withdraw")
    db.session.refresh(person)
    assert person.totp_recovery_until is None


def test_longer_than_fourteen_days_is_refused(client, sign_in, fda_admin, no_csrf):
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    sign_in(fda_admin)
    response = client.post(url(person), data={"days": "30", "reason": "x"})
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.totp_recovery_until is None


def test_service_refuses_more_days_than_allowed(app, fda_admin):
    import pytest

    from portal.auth import recovery

    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    with pytest.raises(recovery.RecoveryError):
        recovery.allow(person, days=15, by=fda_admin)
    assert person.totp_recovery_until is None


def test_firm_accounts_get_no_allowance(client, sign_in, fda_admin, firm_admin, no_csrf):
    sign_in(fda_admin)
    assert b"without an allowance" in client.get(url(firm_admin)).data
    response = client.post(url(firm_admin), data={"days": "3", "reason": "x"})
    assert response.status_code == 400
    db.session.refresh(firm_admin)
    assert firm_admin.totp_recovery_until is None


def test_only_the_program_manager_has_the_page(client, sign_in, fda_admin, fda_staff):
    sign_in(fda_staff)
    assert client.get(url(fda_admin)).status_code == 403
