"""The audit log: append-only, written by every service, searchable and exportable."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import factories
from tests.conftest import login_as


def test_events_cannot_be_changed_or_removed(app):
    event = audit.record("test.something", detail="original")
    db.session.commit()
    event.detail = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_reading_a_firm_record_through_the_scoped_path_is_logged(world, sign_in):
    owner = world.by_firm["a"]
    client = sign_in(owner.staff)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get(
        f"/firm/meetings/{owner.meeting.public_id}", environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 200
    db.session.rollback()
    events = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).offset(before)
    ).all()
    assert [e.action for e in events] == ["meeting.view"]
    event = events[0]
    assert event.actor_id == owner.staff.id
    assert event.firm_id == owner.firm.id
    assert event.object_id == str(owner.meeting.public_id)
    assert event.client_address == "192.0.2.7"


def test_sign_in_and_failures_are_logged(client, firm_admin, no_csrf):
    db.session.commit()
    client.post("/login", data={"email": firm_admin.email, "password": "wrong wrong wrong"})
    client.post("/login", data={"email": firm_admin.email, "password": factories.PASSWORD})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login_failed", "auth.login"]


@pytest.fixture
def logged(app, fda_admin, firm_a, firm_b):
    moments = [datetime(2026, 1, 5, 12, tzinfo=UTC), datetime(2026, 2, 5, 12, tzinfo=UTC)]
    audit.record("question.view", firm_id=firm_a.id, actor=fda_admin)
    audit.record("meeting.cancel", firm_id=firm_b.id, actor=fda_admin)
    audit.record("auth.login", actor=fda_admin, detail='=HYPERLINK("http://evil")')
    db.session.flush()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    # Dates are set through SQL: the ORM refuses to change an audit event.
    for event, moment in zip(events, [*moments, moments[1]], strict=True):
        db.session.execute(
            AuditEvent.__table__.update()
            .where(AuditEvent.id == event.id)
            .values(occurred_at=moment)
        )
    db.session.commit()
    return events


def test_search_by_firm_action_and_date(client, fda_admin, firm_a, logged):
    login_as(client, fda_admin)
    page = client.get(f"/admin/audit?firm={firm_a.id}").get_data(as_text=True)
    shown = "<code>{}</code>".format
    assert shown("question.view") in page and shown("meeting.cancel") not in page
    page = client.get("/admin/audit?action=meeting.").get_data(as_text=True)
    assert shown("meeting.cancel") in page and shown("question.view") not in page
    page = client.get("/admin/audit?date_from=2026-02-01&date_to=2026-02-28").get_data(as_text=True)
    assert shown("meeting.cancel") in page and shown("question.view") not in page
    page = client.get("/admin/audit?date_from=2026-03-01&date_to=2026-02-01")
    assert b"on or after the start date" in page.data


def test_csv_export_is_complete_neutralized_and_itself_logged(client, fda_admin, logged):
    login_as(client, fda_admin)
    response = client.get("/admin/audit/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["action"] for r in rows} >= {"question.view", "meeting.cancel", "auth.login"}
    detail = next(r["detail"] for r in rows if r["action"] == "auth.login")
    assert detail.startswith("'=")
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()


def test_only_the_program_manager_sees_the_log(client, fda_staff):
    login_as(client, fda_staff)
    assert client.get("/admin/audit").status_code == 403
