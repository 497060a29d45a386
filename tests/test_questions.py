"""Questions (SPEC 8): ask, edit and withdraw until the deadline; FDA statuses and emails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.auth.models import Role, UserStatus
from portal.extensions import db
from portal.questions import services
from portal.questions.models import Question, QuestionStatus
from tests import factories
from tests.conftest import outbox
from tests.factories_meetings import at, meeting_at

DEADLINE = at("2026-03-06 15:00")  # of a meeting on 20 March 2026, 10:00 New York time
BEFORE = DEADLINE - timedelta(days=2)
AFTER = DEADLINE + timedelta(seconds=1)


@pytest.fixture
def meeting(app, firm_a, fda_staff):
    created = meeting_at(factories.engagement(firm_a, sent_by=fda_staff), "2026-03-20 10:00")
    db.session.commit()
    return created


@pytest.fixture
def question(meeting, firm_staff, time_machine):
    time_machine.move_to(BEFORE - timedelta(days=5), tick=False)
    asked = services.submit_question(
        meeting,
        firm_staff,
        subject="Hold times",
        topic="production_process",
        body="What supports our <strong>hold times</strong>?",
    )
    db.session.commit()
    outbox_before = len(outbox())
    asked.outbox_before = outbox_before
    return asked


# --- asking ---------------------------------------------------------------------------------


def test_submitting_stores_sanitized_text_audits_and_sends_a_receipt(
    meeting, firm_staff, time_machine
):
    time_machine.move_to(BEFORE, tick=False)
    question = services.submit_question(
        meeting,
        firm_staff,
        subject="  Cleaning  ",
        topic="laboratory_controls",
        body="<script>alert(1)</script>\n\nIs <em>this</em> enough?",
    )
    db.session.commit()
    assert question.subject == "Cleaning"
    assert question.body_html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>Is <em>this</em> enough?</p>"
    )
    assert question.status == QuestionStatus.RECEIVED
    assert question.submitted_at == BEFORE
    receipt = outbox("questions_receipt")
    assert [m.recipient_list for m in receipt] == [[firm_staff.email]]
    assert "Cleaning" in receipt[0].body_text
    assert f"/firm/questions/{question.public_id}" in receipt[0].body_text
    assert "Fri 6 Mar 2026, 10:00 EST" in receipt[0].body_text  # the deadline, their zone
    assert db.session.query(AuditEvent).filter_by(action="question.submit").count() == 1


@pytest.mark.parametrize(
    ("subject", "topic", "body", "field"),
    [
        ("  ", "other", "Body", "subject"),
        ("x" * 201, "other", "Body", "subject"),
        ("Subject", "astrology", "Body", "topic"),
        ("Subject", "other", "   ", "body"),
        ("Subject", "other", "<p> </p>", "body"),
        ("Subject", "other", "x" * 8001, "body"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(
    meeting, firm_staff, time_machine, subject, topic, body, field
):
    time_machine.move_to(BEFORE, tick=False)
    with pytest.raises(services.QuestionError) as refused:
        services.submit_question(meeting, firm_staff, subject=subject, topic=topic, body=body)
    assert refused.value.field == field
    assert db.session.query(Question).count() == 0


def test_a_firm_user_cannot_ask_for_another_firms_meeting(meeting, other_firm_admin, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    with pytest.raises(services.QuestionError, match="your own firm"):
        services.submit_question(meeting, other_firm_admin, subject="S", topic="other", body="Body")


def test_fda_staff_cannot_ask_questions(meeting, fda_staff, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    with pytest.raises(services.QuestionError):
        services.submit_question(meeting, fda_staff, subject="S", topic="other", body="Body")


def test_a_cancelled_meeting_takes_no_questions(meeting, firm_staff, fda_staff, time_machine):
    from portal.meetings.services import cancel_meeting

    time_machine.move_to(BEFORE, tick=False)
    cancel_meeting(meeting, "FDA travel cancelled", by=fda_staff)
    with pytest.raises(services.QuestionError, match="cancelled"):
        services.submit_question(meeting, firm_staff, subject="S", topic="other", body="Body")


# --- editing and withdrawing ------------------------------------------------------------------


def test_edit_before_the_deadline(question, firm_admin, time_machine):
    time_machine.move_to(DEADLINE - timedelta(seconds=1), tick=False)
    changed = services.edit_question(
        question, firm_admin, subject="Hold times, again", topic="other", body="Reworded."
    )
    assert changed
    assert (question.subject, question.topic, question.body_html) == (
        "Hold times, again",
        "other",
        "<p>Reworded.</p>",
    )
    assert db.session.query(AuditEvent).filter_by(action="question.edit").count() == 1


def test_an_edit_that_changes_nothing_is_not_recorded(question, firm_staff, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    from portal.sanitize import editable_text

    assert not services.edit_question(
        question,
        firm_staff,
        subject=question.subject,
        topic=question.topic,
        body=editable_text(question.body_html),
    )


@pytest.mark.parametrize("moment", [DEADLINE, AFTER])
def test_no_edit_at_or_after_the_deadline(question, firm_staff, time_machine, moment):
    time_machine.move_to(moment, tick=False)
    with pytest.raises(services.QuestionError, match="closed at Fri 6 Mar 2026, 10:00 EST"):
        services.edit_question(question, firm_staff, subject="Late", topic="other", body="Late")
    assert question.subject == "Hold times"


def test_withdraw_before_the_deadline(question, firm_staff, time_machine):
    time_machine.move_to(DEADLINE - timedelta(seconds=1), tick=False)
    services.withdraw_question(question, firm_staff)
    assert question.withdrawn_at == DEADLINE - timedelta(seconds=1)
    with pytest.raises(services.QuestionError, match="withdrawn"):
        services.edit_question(question, firm_staff, subject="Again", topic="other", body="x")


@pytest.mark.parametrize("moment", [DEADLINE, AFTER])
def test_no_withdrawal_at_or_after_the_deadline(question, firm_staff, time_machine, moment):
    time_machine.move_to(moment, tick=False)
    with pytest.raises(services.QuestionError):
        services.withdraw_question(question, firm_staff)
    assert question.withdrawn_at is None


def test_another_firm_cannot_edit_or_withdraw(question, other_firm_admin, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    with pytest.raises(services.QuestionError, match="your own firm"):
        services.edit_question(question, other_firm_admin, subject="x", topic="other", body="x")
    with pytest.raises(services.QuestionError, match="your own firm"):
        services.withdraw_question(question, other_firm_admin)


def test_edit_page_before_and_closed_page_after_the_deadline(
    question, firm_staff, sign_in, no_csrf, time_machine
):
    time_machine.move_to(BEFORE, tick=False)
    client = sign_in(firm_staff)
    page = client.get(f"/firm/questions/{question.public_id}/edit").get_data(as_text=True)
    # The stored bold comes back as the mark a person types for it (issue 16).
    assert "What supports our **hold times**?" in page
    response = client.post(
        f"/firm/questions/{question.public_id}/edit",
        data={"subject": "Hold times", "topic": "other", "body": "New words"},
    )
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.body_html == "<p>New words</p>"

    time_machine.move_to(DEADLINE, tick=False)
    client = sign_in(firm_staff)
    closed = client.get(f"/firm/questions/{question.public_id}/edit").get_data(as_text=True)
    assert "This question can no longer be changed" in closed
    assert "closed at Fri 6 Mar 2026, 10:00 EST" in closed
    client.post(
        f"/firm/questions/{question.public_id}/edit",
        data={"subject": "Too late", "topic": "other", "body": "Too late"},
    )
    client.post(f"/firm/questions/{question.public_id}/withdraw")
    db.session.refresh(question)
    assert question.subject == "Hold times" and question.withdrawn_at is None


def test_withdraw_asks_for_confirmation_first(question, firm_staff, sign_in, no_csrf, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    client = sign_in(firm_staff)
    page = client.get(f"/firm/questions/{question.public_id}/withdraw").get_data(as_text=True)
    assert "Withdraw &ldquo;Hold times&rdquo;?" in page
    db.session.refresh(question)
    assert question.withdrawn_at is None
    assert client.post(f"/firm/questions/{question.public_id}/withdraw").status_code == 302
    db.session.refresh(question)
    assert question.withdrawn_at is not None


# --- FDA's statuses and responses ------------------------------------------------------------


def notices(question):
    return [m for m in outbox()[question.outbox_before :] if m.template.startswith("questions_")]


def test_under_review_sends_nothing(question, fda_staff):
    assert services.respond(question, status=QuestionStatus.UNDER_REVIEW, response="", by=fda_staff)
    assert question.status == QuestionStatus.UNDER_REVIEW
    assert notices(question) == []


def test_answered_in_writing_needs_the_answer(question, fda_staff):
    with pytest.raises(services.QuestionError) as refused:
        services.respond(
            question, status=QuestionStatus.ANSWERED_IN_WRITING, response=" ", by=fda_staff
        )
    assert refused.value.field == "response"
    assert question.status == QuestionStatus.RECEIVED


def test_answered_in_writing_emails_the_author_and_the_quality_lead(
    question, fda_staff, firm_staff, firm_admin
):
    deactivated = factories.user(
        Role.FIRM_ADMIN, firm=firm_staff.firm, status=UserStatus.DEACTIVATED
    )
    services.respond(
        question,
        status=QuestionStatus.ANSWERED_IN_WRITING,
        response="Yes.\n\n<a href='javascript:x'>See</a> <em>21 CFR 211.67</em>.",
        by=fda_staff,
    )
    # A refused address loses the link's tag too, so it no longer looks like a link (issue 16).
    assert question.response_html == "<p>Yes.</p>\n<p>See <em>21 CFR 211.67</em>.</p>"
    assert question.responded_by_id == fda_staff.id
    sent = notices(question)
    assert {m.template for m in sent} == {"questions_answered"}
    assert sorted(r for m in sent for r in m.recipient_list) == sorted(
        [firm_staff.email, firm_admin.email]
    )
    assert deactivated.email not in {r for m in sent for r in m.recipient_list}
    assert all(f"/firm/questions/{question.public_id}" in m.body_text for m in sent)
    assert "21 CFR" not in sent[0].subject  # what FDA wrote stays in the portal


def test_for_discussion_emails_a_notice(question, fda_staff, firm_staff):
    services.respond(question, status=QuestionStatus.FOR_DISCUSSION, response="", by=fda_staff)
    sent = notices(question)
    assert [m.template for m in sent] == ["questions_for_discussion"]
    assert sent[0].recipient_list == [firm_staff.email]
    assert "discuss" in sent[0].body_text


def test_a_revised_answer_is_announced_and_an_unchanged_one_is_not(question, fda_staff):
    services.respond(
        question, status=QuestionStatus.ANSWERED_IN_WRITING, response="First", by=fda_staff
    )
    services.respond(
        question, status=QuestionStatus.ANSWERED_IN_WRITING, response="First", by=fda_staff
    )
    assert len(notices(question)) == 1
    services.respond(
        question, status=QuestionStatus.ANSWERED_IN_WRITING, response="Second", by=fda_staff
    )
    sent = notices(question)
    assert len(sent) == 2 and sent[1].subject == "FDA has revised its answer"


def test_every_status_change_is_audited(question, fda_staff):
    for status in (
        QuestionStatus.UNDER_REVIEW,
        QuestionStatus.FOR_DISCUSSION,
        QuestionStatus.ANSWERED_IN_WRITING,
        QuestionStatus.RECEIVED,
    ):
        services.respond(question, status=status, response="An answer", by=fda_staff)
        assert question.status == status
    details = [e.detail for e in db.session.query(AuditEvent).filter_by(action="question.respond")]
    assert details == [
        "status received -> under_review; response written",
        "status under_review -> for_discussion",
        "status for_discussion -> answered_in_writing",
        "status answered_in_writing -> received",
    ]


def test_withdrawn_questions_get_no_answer_and_firms_cannot_answer(
    question, fda_staff, firm_admin, time_machine
):
    with pytest.raises(services.QuestionError, match="Only FDA"):
        services.respond(question, status=QuestionStatus.UNDER_REVIEW, response="", by=firm_admin)
    time_machine.move_to(BEFORE, tick=False)
    services.withdraw_question(question, firm_admin)
    with pytest.raises(services.QuestionError, match="withdrew"):
        services.respond(question, status=QuestionStatus.UNDER_REVIEW, response="", by=fda_staff)


def test_fda_answers_on_the_page_and_the_firm_reads_it(
    question, fda_staff, firm_staff, sign_in, no_csrf, time_machine
):
    time_machine.move_to(BEFORE, tick=False)
    client = sign_in(fda_staff)
    page = client.get(f"/questions/{question.public_id}").get_data(as_text=True)
    assert "Hold times" in page and "Confidential commercial information" in page
    bad = client.post(
        f"/questions/{question.public_id}", data={"status": "answered_in_writing", "response": ""}
    )
    assert "Write the answer before marking the question answered." in bad.get_data(as_text=True)
    response = client.post(
        f"/questions/{question.public_id}",
        data={"status": "answered_in_writing", "response": "Use <strong>worst case</strong>."},
    )
    assert response.status_code == 302
    firm_page = sign_in(firm_staff).get(f"/firm/questions/{question.public_id}")
    text = firm_page.get_data(as_text=True)
    assert "<p>Use <strong>worst case</strong>.</p>" in text
    assert "Answered in writing" in text


def test_a_status_that_is_not_on_the_list_is_refused(question, fda_staff, sign_in, no_csrf):
    response = sign_in(fda_staff).post(
        f"/questions/{question.public_id}", data={"status": "closed", "response": ""}
    )
    assert response.status_code == 200
    assert 'id="status-error"' in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.status == QuestionStatus.RECEIVED


def test_firm_lists_show_only_their_own_questions(
    question, firm_staff, other_firm_admin, sign_in, time_machine
):
    time_machine.move_to(BEFORE, tick=False)
    other_meeting = meeting_at(factories.engagement(other_firm_admin.firm), "2026-03-20 10:00")
    factories.question(other_meeting, other_firm_admin, subject="Bravo's secret")
    own = sign_in(firm_staff).get("/firm/questions").get_data(as_text=True)
    assert "Hold times" in own and "Bravo&#39;s secret" not in own
    other = sign_in(other_firm_admin).get("/firm/questions").get_data(as_text=True)
    assert "Bravo&#39;s secret" in other and "Hold times" not in other
    assert sign_in(other_firm_admin).get(f"/firm/questions/{question.public_id}").status_code == 404
