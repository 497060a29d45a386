"""SPEC 8 (issue 9 item 8): once FDA moves a question past "received" the firm cannot change
it; it may ask a follow-up linked to it; earlier texts are kept and shown to FDA."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.questions import services
from portal.questions.models import Question, QuestionRevision, QuestionStatus
from tests import factories
from tests.factories_meetings import at, meeting_at

BEFORE = at("2026-03-04 15:00")  # two days before the deadline of a meeting on 20 March 2026


@pytest.fixture
def meeting(app, firm_a, fda_staff):
    created = meeting_at(factories.engagement(firm_a, sent_by=fda_staff), "2026-03-20 10:00")
    db.session.commit()
    return created


@pytest.fixture
def question(meeting, firm_staff, time_machine):
    time_machine.move_to(BEFORE - timedelta(days=5), tick=False)
    asked = services.submit_question(
        meeting, firm_staff, subject="Hold times", topic="production_process", body="Original?"
    )
    db.session.commit()
    time_machine.move_to(BEFORE, tick=False)
    return asked


def _as_stored(question: Question) -> tuple:
    db.session.expire_all()
    row = db.session.execute(
        select(Question.subject, Question.topic, Question.body_html, Question.withdrawn_at).where(
            Question.id == question.id
        )
    ).one()
    return tuple(row)


@pytest.mark.parametrize(
    "status",
    [
        QuestionStatus.UNDER_REVIEW,
        QuestionStatus.ANSWERED_IN_WRITING,
        QuestionStatus.FOR_DISCUSSION,
    ],
)
def test_a_question_fda_took_up_is_neither_edited_nor_withdrawn(
    question, firm_staff, fda_staff, status
):
    services.respond(question, status=status, response="An answer.", by=fda_staff)
    db.session.commit()
    stored = _as_stored(question)
    with pytest.raises(services.QuestionError, match="ask a follow-up question"):
        services.edit_question(
            question, firm_staff, subject="Rewritten", topic="other", body="Something else"
        )
    db.session.rollback()
    with pytest.raises(services.QuestionError, match="can no longer be changed"):
        services.withdraw_question(question, firm_staff)
    db.session.rollback()
    assert _as_stored(question) == stored
    assert db.session.scalars(select(QuestionRevision)).all() == []
    assert not services.can_change(question, BEFORE)
    assert services.can_follow_up(question)


def test_a_change_racing_fdas_status_is_refused(question, firm_staff):
    """The firm's page was loaded while the question was new; FDA takes it up meanwhile."""
    assert question.status == QuestionStatus.RECEIVED
    # FDA's change, committed by another request: the firm's loaded object does not see it.
    db.session.execute(
        text("UPDATE question SET status = 'under_review' WHERE id = :id"), {"id": question.id}
    )
    assert question.status == QuestionStatus.RECEIVED  # the stale copy
    with pytest.raises(services.QuestionError, match="Under review"):
        services.edit_question(question, firm_staff, subject="Late", topic="other", body="Late")
    with pytest.raises(services.QuestionError, match="Under review"):
        services.withdraw_question(question, firm_staff)


def test_an_edit_before_fda_takes_it_up_keeps_the_earlier_text(
    question, firm_staff, fda_staff, app, sign_in
):
    changed = services.edit_question(
        question, firm_staff, subject="Hold times, again", topic="materials", body="Second?"
    )
    db.session.commit()
    assert changed
    revision = db.session.scalars(select(QuestionRevision)).one()
    assert (revision.subject, revision.topic, revision.body_html) == (
        "Hold times",
        "production_process",
        "<p>Original?</p>",
    )
    assert revision.revised_by_id == firm_staff.id
    assert revision.revised_at == BEFORE
    assert revision.firm_id == question.firm_id
    page = sign_in(fda_staff).get(f"/questions/{question.public_id}").get_data(as_text=True)
    assert "Earlier texts" in page
    assert "Original?" in page and firm_staff.full_name in page
    assert "Hold times, again" in page


def test_the_firm_page_offers_a_follow_up_instead_of_the_edit_button(
    question, firm_staff, fda_staff, sign_in
):
    client = sign_in(firm_staff)
    before = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "Change the question" in before
    services.respond(question, status=QuestionStatus.UNDER_REVIEW, response="", by=fda_staff)
    db.session.commit()
    page = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "Change the question" not in page and "Withdraw it" not in page
    assert f"/firm/questions/{question.public_id}/follow-up" in page
    assert "FDA has begun work on this question" in page


def test_posting_an_edit_after_fda_took_it_up_changes_nothing(
    question, firm_staff, fda_staff, sign_in, no_csrf
):
    services.respond(question, status=QuestionStatus.UNDER_REVIEW, response="", by=fda_staff)
    db.session.commit()
    stored = _as_stored(question)
    client = sign_in(firm_staff)
    for path, data in (
        ("edit", {"subject": "Rewritten", "topic": "other", "body": "Else"}),
        ("withdraw", {"submit": "Withdraw the question"}),
    ):
        response = client.post(f"/firm/questions/{question.public_id}/{path}", data=data)
        assert response.status_code == 200
        assert "FDA has begun work on this question" in response.get_data(as_text=True)
    assert _as_stored(question) == stored
    edits = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["question.edit", "question.withdraw"]))
    ).all()
    assert edits == []


def test_a_follow_up_is_linked_and_shown_on_both_questions_pages(
    question, meeting, firm_staff, fda_staff, sign_in, no_csrf
):
    services.respond(
        question, status=QuestionStatus.ANSWERED_IN_WRITING, response="Answer.", by=fda_staff
    )
    db.session.commit()
    client = sign_in(firm_staff)
    form = client.get(f"/firm/questions/{question.public_id}/follow-up").get_data(as_text=True)
    assert "Ask a follow-up question" in form and "Hold times" in form
    response = client.post(
        f"/firm/questions/{question.public_id}/follow-up",
        data={
            "meeting": str(meeting.public_id),
            "subject": "Hold times: the data",
            "topic": "production_process",
            "body": "Which data should support them?",
        },
    )
    assert response.status_code == 302
    follow_up = db.session.scalars(
        select(Question).where(Question.subject == "Hold times: the data")
    ).one()
    assert follow_up.follows_id == question.id
    assert follow_up.status == QuestionStatus.RECEIVED
    firm_old = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    firm_new = client.get(f"/firm/questions/{follow_up.public_id}").get_data(as_text=True)
    assert "Follow-up questions" in firm_old and "Hold times: the data" in firm_old
    assert "Follows up" in firm_new and f"/firm/questions/{question.public_id}" in firm_new
    fda = sign_in(fda_staff)
    fda_old = fda.get(f"/questions/{question.public_id}").get_data(as_text=True)
    fda_new = fda.get(f"/questions/{follow_up.public_id}").get_data(as_text=True)
    assert f"/questions/{follow_up.public_id}" in fda_old
    assert f"/questions/{question.public_id}" in fda_new and "Follows up" in fda_new
    submitted = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "question.submit").order_by(AuditEvent.id)
    ).all()
    assert f"follows {question.public_id}" in submitted[-1].detail


def test_a_follow_up_cannot_follow_another_firms_question(
    question, firm_staff, other_firm_admin, fda_staff, time_machine
):
    other_meeting = meeting_at(
        factories.engagement(other_firm_admin.firm, sent_by=fda_staff), "2026-03-27 10:00"
    )
    db.session.commit()
    with pytest.raises(services.QuestionError, match="your own firm"):
        services.submit_question(
            other_meeting,
            other_firm_admin,
            subject="S",
            topic="other",
            body="Body",
            follows=question,
        )
    assert db.session.scalars(select(Question).where(Question.subject == "S")).all() == []
