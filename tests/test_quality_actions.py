"""Recording and updating quality actions: details, links, evidence, comments, overdue (SPEC 11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.engagements.models import EngagementStatus
from portal.extensions import db
from portal.quality import services
from portal.quality.models import ActionStatus, QualityAction, QualityActionEvent
from portal.timeutil import program_today, utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import outbox


def _later(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _posted(**overrides) -> dict:
    values = {
        "kind": "corrective",
        "description": "Revalidate the cleaning of the shared granulator.",
        "owner_name": "J. Rivera, Validation Lead",
        "target_date": _later(),
        "meeting": "",
        "question": "",
    }
    values.update(overrides)
    return values


def _actions() -> list[QualityAction]:
    return list(db.session.scalars(select(QualityAction).order_by(QualityAction.id)))


def test_a_firm_user_records_an_action_linked_to_a_meeting_and_question(
    app, client, sign_in, no_csrf
):
    people = ff.engagement_with_people()
    meeting = ff.held_meeting(people.engagement)
    question = factories.question(meeting, people.admin)
    sign_in(people.staff[0])
    url = f"/firm/quality-actions/new/{people.engagement.public_id}"
    form = client.get(url)
    assert form.status_code == 200 and question.subject in form.text
    response = client.post(
        url, data=_posted(meeting=str(meeting.public_id), question=str(question.public_id))
    )
    assert response.status_code == 302
    (action,) = _actions()
    assert action.status == ActionStatus.PLANNED and action.firm_id == people.firm.id
    assert (action.meeting_id, action.question_id) == (meeting.id, question.id)
    assert action.created_by_id == people.staff[0].id
    assert [(e.kind, e.to_status) for e in action.events] == [("status", "planned")]
    assert not outbox("quality_fda_update"), "the firm's own actions email nobody"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "  "}, "description", "Describe the action"),
        ({"owner_name": ""}, "owner_name", "Name the person at the firm"),
        ({"target_date": ""}, "target_date", "Give the date"),
        ({"target_date": "2020-01-01"}, "target_date", "cannot be in the past"),
        ({"target_date": "31/12/2030"}, "target_date", "Not a valid date"),
        ({"kind": "punitive"}, "kind", "Not a valid choice"),
        ({"meeting": "not-a-uuid"}, "meeting", "Not a valid choice"),
    ],
)
def test_bad_details_are_refused_beside_the_field(
    app, client, sign_in, no_csrf, overrides, field, message
):
    people = ff.engagement_with_people()
    sign_in(people.admin)
    page = client.post(
        f"/firm/quality-actions/new/{people.engagement.public_id}", data=_posted(**overrides)
    )
    assert page.status_code == 200
    assert f'id="{field}-error"' in page.text and message in page.text
    assert not _actions()


def test_only_the_same_engagements_meeting_or_question_can_be_linked(app):
    people = ff.engagement_with_people()
    elsewhere = factories.engagement(people.firm, sent_by=people.fda)  # same firm, other site
    other_meeting = ff.held_meeting(elsewhere)
    other_question = factories.question(other_meeting, people.admin)
    for field, record in (("meeting", other_meeting), ("question", other_question)):
        details = services.ActionDetails(
            kind="preventive",
            description="Add a second check.",
            owner_name="QA",
            target_date=date.today() + timedelta(days=5),
            **{field: str(record.public_id)},
        )
        with pytest.raises(services.QualityError, match="of this engagement") as refused:
            services.create_action(people.engagement, details, by=people.admin)
        assert refused.value.field == field
    assert not _actions()


def test_fda_records_an_action_and_the_firm_is_emailed(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    sign_in(people.fda)
    response = client.post(f"/quality-actions/new/{people.engagement.public_id}", data=_posted())
    assert response.status_code == 302
    (action,) = _actions()
    messages = outbox("quality_fda_update")
    assert {m.recipients for m in messages} == {people.admin.email, people.staff[0].email}
    assert f"/firm/quality-actions/{action.public_id}" in messages[0].body_text
    assert "recorded" in messages[0].subject


def test_no_new_actions_on_a_closed_engagement(app):
    people = ff.engagement_with_people()
    people.engagement.status = EngagementStatus.CLOSED
    details = services.ActionDetails("corrective", "Fix it.", "QA", date.today())
    with pytest.raises(services.QualityError, match="closed"):
        services.create_action(people.engagement, details, by=people.admin)


def test_another_firm_cannot_record_on_this_engagement(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    other = ff.engagement_with_people("Bravo Laboratories")
    sign_in(other.admin)
    url = f"/firm/quality-actions/new/{people.engagement.public_id}"
    assert client.post(url, data=_posted()).status_code == 404
    details = services.ActionDetails("corrective", "Fix it.", "QA", date.today())
    with pytest.raises(services.QualityError, match="another firm"):
        services.create_action(people.engagement, details, by=other.admin)
    assert not _actions()


def test_the_firm_edits_an_action_until_it_is_completed(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    action = factories.quality_action(people.engagement, people.admin, target_date=date.today())
    sign_in(people.admin)
    url = f"/firm/quality-actions/{action.public_id}/edit"
    assert client.get(url).status_code == 200
    changed = _posted(owner_name="New Owner", target_date=date.today().isoformat())
    assert client.post(url, data=changed).status_code == 302
    db.session.expire_all()
    action = db.session.get(QualityAction, action.id)
    assert action.owner_name == "New Owner"
    edit = [e for e in action.events if e.kind == "edit"][0]
    assert "owner name" in edit.note and "target date" not in edit.note

    action.status = ActionStatus.COMPLETED
    db.session.commit()
    assert client.get(url).status_code == 302
    assert client.post(url, data=_posted(owner_name="Too late")).status_code == 302
    with pytest.raises(services.QualityError, match="can no longer change"):
        services.update_action(action, services.ActionDetails(**_details()), by=people.admin)
    db.session.expire_all()
    assert db.session.get(QualityAction, action.id).owner_name == "New Owner"


def _details() -> dict:
    return {
        "kind": "corrective",
        "description": "x",
        "owner_name": "y",
        "target_date": date.today() + timedelta(days=1),
    }


def test_fda_does_not_edit_the_firms_details(app):
    people = ff.engagement_with_people()
    action = factories.quality_action(people.engagement, people.admin)
    with pytest.raises(services.QualityError, match="comment"):
        services.update_action(action, services.ActionDetails(**_details()), by=people.fda)


def test_evidence_notes_are_dated_and_the_firms(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    action = factories.quality_action(
        people.engagement, people.admin, status=ActionStatus.IN_PROGRESS
    )
    sign_in(people.admin)
    url = f"/firm/quality-actions/{action.public_id}/evidence"
    missing = client.post(url, data={"note": "SOP-114 rev 3 effective.", "evidence_date": ""})
    assert missing.status_code == 200 and 'id="evidence_date-error"' in missing.text
    future = (date.today() + timedelta(days=3)).isoformat()
    assert (
        "cannot be in the future"
        in client.post(url, data={"note": "x", "evidence_date": future}).text
    )
    ok = client.post(url, data={"note": "SOP-114 rev 3 effective.", "evidence_date": "2026-01-05"})
    assert ok.status_code == 302
    event = db.session.scalars(
        select(QualityActionEvent).where(QualityActionEvent.kind == "evidence")
    ).one()
    assert event.evidence_date == date(2026, 1, 5) and event.by_id == people.admin.id
    page = client.get(f"/firm/quality-actions/{action.public_id}")
    assert "SOP-114 rev 3 effective." in page.text and "dated 5 Jan 2026" in page.text
    with pytest.raises(services.QualityError):
        services.add_evidence(action, "From FDA", date.today(), by=people.fda)


def test_fda_comments_and_the_firm_is_told(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    action = factories.quality_action(people.engagement, people.admin)
    sign_in(people.fda)
    url = f"/quality-actions/{action.public_id}/comment"
    empty = client.post(url, data={"note": ""})
    assert empty.status_code == 200 and 'id="note-error"' in empty.text
    assert client.post(url, data={"note": "Please include the swab results."}).status_code == 302
    assert "Please include the swab results." in outbox("quality_fda_update")[0].body_text
    with pytest.raises(services.QualityError):
        services.add_comment(action, "From the firm", by=people.admin)


def test_overdue_is_said_in_words_on_both_sides(app, client, sign_in):
    people = ff.engagement_with_people()
    yesterday = date.today() - timedelta(days=2)
    late = factories.quality_action(
        people.engagement, people.admin, description="Late action", target_date=yesterday
    )
    factories.quality_action(
        people.engagement,
        people.admin,
        description="Done late, not overdue",
        target_date=yesterday,
        status=ActionStatus.COMPLETED,
        completed_at=utcnow(),
    )
    factories.quality_action(people.engagement, people.admin, description="On time")
    today = program_today()
    assert late.is_overdue(today)
    overdue_ids = db.session.scalars(
        select(QualityAction.id).where(QualityAction.is_overdue(today))
    ).all()
    assert overdue_ids == [late.id]
    for user, url in ((people.admin, "/firm/quality-actions"), (people.fda, "/quality-actions")):
        sign_in(user)
        page = client.get(url)
        assert page.text.count(">Overdue</span>") == 1, url
        assert "target date passed" in page.text
        only = client.get(url + "?overdue=y")
        assert "Late action" in only.text and "On time" not in only.text
        detail = url.replace("quality-actions", "quality-actions/" + str(late.public_id))
        assert ">Overdue</span>" in client.get(detail).text


def test_overdue_is_judged_by_the_programs_day_not_the_viewers(app, client, sign_in, time_machine):
    """One definition of "overdue" for pages, work list, dashboard and API (issue 11).

    At 21:00 on 1 May in New York it is already 2 May in Tokyo. An action due 1 May
    is not overdue yet by the program's day; the Tokyo viewer's day used to say it was,
    while the API and the dashboard said it was not.
    """
    from portal.metrics.measures import quality_improvement
    from portal.metrics.period import Period

    time_machine.move_to(datetime(2025, 5, 2, 1, 0, tzinfo=UTC), tick=False)
    people = ff.engagement_with_people()
    people.admin.timezone = "Asia/Tokyo"
    people.fda.timezone = "Asia/Tokyo"
    action = factories.quality_action(
        people.engagement,
        people.admin,
        description="Due on the first",
        target_date=date(2025, 5, 1),
    )
    _, plain = factories.api_token(factories.user(Role.FDA_ADMIN))
    db.session.commit()

    assert not action.is_overdue(program_today())
    assert quality_improvement(Period.for_fiscal_year(2025)).overdue == 0
    api = app.test_client().get(
        "/api/v1/quality-actions", headers={"Authorization": f"Bearer {plain}"}
    )
    assert [row["overdue"] for row in api.get_json()["data"]] == [False]
    for user, url in ((people.admin, "/firm/quality-actions"), (people.fda, "/quality-actions")):
        sign_in(user)
        page = client.get(url)
        assert "Due on the first" in page.text and ">Overdue</span>" not in page.text, url
        assert "Due on the first" not in client.get(url + "?overdue=y").text, url

    time_machine.move_to(datetime(2025, 5, 2, 4, 0, tzinfo=UTC), tick=False)  # midnight in New York
    assert action.is_overdue(program_today())
    assert quality_improvement(Period.for_fiscal_year(2025)).overdue == 1
    sign_in(people.admin)
    assert ">Overdue</span>" in client.get("/firm/quality-actions").text
