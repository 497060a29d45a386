"""Every status change of a quality action, allowed or refused as the table in services says.

The expected outcomes are written out here by hand, not read from
portal.quality.services.TRANSITIONS, so that a change to the table fails a test.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.quality import services
from portal.quality.models import ActionStatus, QualityAction, QualityActionEvent
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import outbox

S = ActionStatus
#: (from, to) -> who may make the change. Everything else is refused to everyone.
ALLOWED = {
    (S.PLANNED, S.IN_PROGRESS): "firm",
    (S.IN_PROGRESS, S.COMPLETED): "firm",
    (S.PLANNED, S.CLOSED): "firm",
    (S.IN_PROGRESS, S.CLOSED): "firm",
    (S.COMPLETED, S.VERIFIED): "fda",
    (S.COMPLETED, S.IN_PROGRESS): "fda",
}
PAIRS = [(a, b) for a, b in itertools.product(S, S) if a != b]


def _action(people, status: ActionStatus) -> QualityAction:
    values = {"status": status}
    if status == S.CLOSED:
        values["closed_reason"] = "No longer needed."
    if status in (S.COMPLETED, S.VERIFIED):
        values["completed_at"] = utcnow() - timedelta(days=1)
    return factories.quality_action(people.engagement, people.admin, **values)


@pytest.mark.parametrize("role", ["firm", "fda"])
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_the_service_allows_exactly_the_listed_changes(app, role, source, target):
    people = ff.engagement_with_people()
    action = _action(people, source)
    actor = people.staff[0] if role == "firm" else people.fda
    allowed = ALLOWED.get((source, target)) == role
    if allowed:
        services.change_status(action, target, by=actor, note="Because the work is done.")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(QualityAction, action.id).status == target
        event = db.session.scalars(
            select(QualityActionEvent).where(QualityActionEvent.kind == "status")
        ).one()
        assert (event.from_status, event.to_status, event.by_id) == (
            source.value,
            target.value,
            actor.id,
        )
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "quality_action.status")
            )
            .one()
            .detail.startswith(f"{source.value} -> {target.value}")
        )
    else:
        with pytest.raises(services.QualityError):
            services.change_status(action, target, by=actor, note="Trying anyway.")
        db.session.expire_all()
        assert db.session.get(QualityAction, action.id).status == source
        assert not db.session.scalars(select(QualityActionEvent)).all()


@pytest.mark.parametrize("role", ["firm", "fda"])
@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_the_pages_allow_exactly_the_listed_changes(
    app, client, sign_in, no_csrf, role, source, target
):
    people = ff.engagement_with_people()
    action = _action(people, source)
    if role == "firm":
        sign_in(people.staff[0])
        url = f"/firm/quality-actions/{action.public_id}/status"
    else:
        sign_in(people.fda)
        url = f"/quality-actions/{action.public_id}/status"
    response = client.post(url, data={"to": target.value, "note": "Noted."})
    assert response.status_code == 302
    db.session.expire_all()
    expected = target if ALLOWED.get((source, target)) == role else source
    assert db.session.get(QualityAction, action.id).status == expected


def test_the_table_in_the_code_is_the_one_tested():
    in_code = {(t.source, t.target): t.side.value for t in services.TRANSITIONS}
    assert in_code == ALLOWED


@pytest.mark.parametrize(
    ("source", "target"),
    [(S.IN_PROGRESS, S.COMPLETED), (S.PLANNED, S.CLOSED), (S.COMPLETED, S.IN_PROGRESS)],
)
def test_these_changes_need_a_note(app, source, target):
    people = ff.engagement_with_people()
    action = _action(people, source)
    actor = people.fda if target == S.IN_PROGRESS else people.admin
    with pytest.raises(services.QualityError, match="needed") as refused:
        services.change_status(action, target, by=actor, note="   ")
    assert refused.value.field == "note"
    assert action.status == source


def test_verifying_and_sending_back_record_who_and_when_and_tell_the_firm(app):
    people = ff.engagement_with_people()
    action = _action(people, S.COMPLETED)
    services.change_status(action, S.IN_PROGRESS, by=people.fda, note="Add the training record.")
    db.session.commit()
    assert action.status == S.IN_PROGRESS and action.completed_at is None
    sent_back = outbox("quality_fda_update")
    assert {m.recipients for m in sent_back} == {people.admin.email, people.staff[0].email}
    assert "Add the training record." in sent_back[0].body_text
    assert f"/firm/quality-actions/{action.public_id}" in sent_back[0].body_text

    services.change_status(action, S.COMPLETED, by=people.staff[0], note="Training done.")
    services.change_status(action, S.VERIFIED, by=people.fda)
    db.session.commit()
    assert action.verified_by_id == people.fda.id and action.verified_at is not None
    assert [e.to_status for e in action.events] == ["in_progress", "completed", "verified"]


def test_closing_keeps_the_reason(app):
    people = ff.engagement_with_people()
    action = _action(people, S.PLANNED)
    services.change_status(action, S.CLOSED, by=people.admin, note="Line 3 was decommissioned.")
    db.session.commit()
    assert action.closed_reason == "Line 3 was decommissioned."


def test_a_change_made_meanwhile_wins_and_the_late_one_is_refused(app):
    """Two people change the same action at once: the second finds the status moved on."""
    people = ff.engagement_with_people()
    action = _action(people, S.COMPLETED)
    db.session.commit()
    assert action.status == S.COMPLETED  # loaded in this session
    with db.engine.begin() as other_request:  # ...while another request verifies it
        other_request.execute(
            QualityAction.__table__.update()
            .where(QualityAction.id == action.id)
            .values(status=S.VERIFIED.value)
        )
    with pytest.raises(services.QualityError, match="a moment ago"):
        services.change_status(action, S.IN_PROGRESS, by=people.fda, note="Missing records.")
    db.session.expire_all()
    assert db.session.get(QualityAction, action.id).status == S.VERIFIED
