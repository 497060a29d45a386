"""Feedback requests: opening a survey, answering it, changing answers until it closes (SPEC 10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role, UserStatus
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import FeedbackAnswer, FeedbackResponse, MeetingSurvey
from portal.feedback.survey_templates import ensure_default_template
from portal.program.settings import update_settings
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import outbox

#: Answers to the shipped template, by question position: two ratings, yes/no, text.
COMPLETE = {1: "4", 2: "5", 3: "yes", 4: "Send the agenda earlier."}


def _open(people, **meeting_values):
    meeting = ff.held_meeting(people.engagement, **meeting_values)
    survey = services.open_survey(meeting)
    db.session.commit()
    return survey


def _responses() -> int:
    return db.session.scalar(select(func.count(FeedbackResponse.id)))


# --- opening -----------------------------------------------------------------------------


def test_open_survey_uses_the_default_template_and_closes_30_days_after_the_meeting(app):
    people = ff.engagement_with_people(staff=2)
    start = utcnow() - timedelta(hours=3)
    survey = _open(people, starts_at=start)
    assert survey.template_id == ensure_default_template().id
    assert survey.closes_at == start + timedelta(days=30)
    assert survey.firm_id == people.firm.id


def test_the_closing_delay_is_a_program_setting(app, fda_admin):
    update_settings({"survey_close_days": 10}, by_user=fda_admin)
    people = ff.engagement_with_people()
    start = utcnow() - timedelta(hours=3)
    assert _open(people, starts_at=start).closes_at == start + timedelta(days=10)


def test_each_active_firm_user_is_emailed_a_link_once(app):
    people = ff.engagement_with_people(staff=2)
    factories.user(Role.FIRM_STAFF, firm=people.firm, status=UserStatus.DEACTIVATED)
    other = ff.engagement_with_people("Bravo Laboratories")
    survey = _open(people)
    services.open_survey(survey.meeting)  # again: nothing new
    db.session.commit()
    messages = outbox("feedback_request")
    expected = {people.admin.email, *(p.email for p in people.staff)}
    assert {m.recipients for m in messages} == expected
    assert other.admin.email not in {m.recipients for m in messages}
    link = f"{app.config['PORTAL_BASE_URL']}/firm/feedback/{survey.public_id}"
    for message in messages:
        assert link in message.body_text and f'href="{link}"' in message.body_html
        assert "sign in" in message.body_text
        assert message.firm_id == people.firm.id
    assert db.session.scalar(select(func.count(MeetingSurvey.id))) == 1


def test_a_meeting_marked_held_after_its_survey_period_asks_nobody(app):
    people = ff.engagement_with_people()
    survey = _open(people, starts_at=utcnow() - timedelta(days=31))
    assert not services.survey_is_open(survey)
    assert not outbox("feedback_request")


def test_marking_a_meeting_held_opens_its_survey(app, client, sign_in, no_csrf):
    """Through the meetings engineer's page: the survey opens in the same transaction."""
    people = ff.engagement_with_people()
    meeting = factories.meeting(people.engagement, starts_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    sign_in(people.fda)
    response = client.post(f"/meetings/{meeting.public_id}/held")
    assert response.status_code == 302
    survey = db.session.scalars(select(MeetingSurvey)).one()
    assert survey.meeting_id == meeting.id
    assert outbox("feedback_request")


# --- answering ------------------------------------------------------------------------------


def test_a_firm_user_answers_and_changes_their_answers(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    survey = _open(people)
    sign_in(people.admin)
    url = f"/firm/feedback/{survey.public_id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Confidential commercial information" in page.text
    for question in survey.template.questions:
        assert f'id="q{question.id}"' in page.text
    assert client.post(url, data=ff.form_answers(survey, COMPLETE)).status_code == 302
    first = db.session.scalars(select(FeedbackResponse)).one()
    first_submitted = first.submitted_at

    changed = {**COMPLETE, 1: "2", 4: "The agenda came too late."}
    after = client.post(url, data=ff.form_answers(survey, changed), follow_redirects=True)
    assert "Your answers are saved" in after.text
    db.session.expire_all()
    response = db.session.scalars(select(FeedbackResponse)).one()
    assert response.id == first.id and response.submitted_at == first_submitted
    assert response.updated_at >= first_submitted
    by_position = {a.question.position: a for a in response.answers}
    assert by_position[1].rating == 2 and by_position[2].rating == 5
    assert by_position[3].yes_no is True and by_position[4].text == "The agenda came too late."
    assert db.session.scalar(select(func.count(FeedbackAnswer.id))) == 4
    # The page shows the stored answers back.
    first_question = survey.template.questions[0].id
    checked = f'checked class="usa-radio__input" id="q{first_question}-1"'
    assert checked in client.get(url).text


def test_required_questions_are_refused_with_a_message_naming_each(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    survey = _open(people)
    questions = survey.template.questions
    sign_in(people.admin)
    page = client.post(f"/firm/feedback/{survey.public_id}", data=ff.form_answers(survey, {2: "3"}))
    assert page.status_code == 200
    assert "There is a problem" in page.text
    for question in questions:
        named = f'href="#q{question.id}"' in page.text
        assert named == (question.required and question.position != 2), question.prompt
    assert f'id="q{questions[0].id}-error"' in page.text
    assert "choose from 1 to 5" in page.text and "choose yes or no" in page.text
    assert _responses() == 0


def test_validate_answers_names_every_problem(app):
    template = ensure_default_template()
    questions = list(template.questions)
    with pytest.raises(services.AnswersInvalid) as refused:
        services.validate_answers(questions, {questions[0].id: "7", questions[2].id: "maybe"})
    problems = refused.value.by_question
    assert problems[questions[0].id] == "Choose a number from 1 to 5."
    assert problems[questions[1].id].startswith("This question needs an answer")
    assert problems[questions[2].id] == "Choose yes or no."
    assert questions[3].id not in problems  # optional, left blank
    assert questions[1].prompt in str(refused.value)
    values = services.validate_answers(
        questions, {questions[0].id: "1", questions[1].id: " 5 ", questions[2].id: "no"}
    )
    assert values[questions[0].id].rating == 1 and values[questions[2].id].yes_no is False
    assert values[questions[3].id] is None


def test_an_overlong_written_answer_is_refused(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    survey = _open(people)
    sign_in(people.admin)
    answers = {**COMPLETE, 4: "x" * (services.TEXT_ANSWER_MAX + 1)}
    page = client.post(f"/firm/feedback/{survey.public_id}", data=ff.form_answers(survey, answers))
    assert page.status_code == 200 and "4,000" in page.text
    assert _responses() == 0


def test_a_closed_survey_refuses_answers_and_changes(app, client, sign_in, no_csrf, time_machine):
    people = ff.engagement_with_people()
    survey = _open(people)
    sign_in(people.admin)
    url = f"/firm/feedback/{survey.public_id}"
    client.post(url, data=ff.form_answers(survey, COMPLETE))
    time_machine.move_to(survey.closes_at + timedelta(seconds=1))
    sign_in(people.admin)
    page = client.get(url)
    assert "This survey is closed" in page.text and "Save your answers" not in page.text
    assert "Send the agenda earlier." in page.text  # their answers, as given
    refused = client.post(url, data=ff.form_answers(survey, {**COMPLETE, 1: "1"}))
    assert refused.status_code == 409
    assert "Answers can no longer be given or changed" in refused.text
    db.session.expire_all()
    first_answer = db.session.scalars(select(FeedbackAnswer).order_by(FeedbackAnswer.id)).first()
    assert first_answer.rating == 4
    # Someone who never answered cannot start now either.
    sign_in(people.staff[0])
    late = client.post(url, data=ff.form_answers(survey, COMPLETE))
    assert late.status_code == 409 and _responses() == 1


def test_the_service_itself_refuses_a_closed_survey(app, time_machine):
    people = ff.engagement_with_people()
    survey = _open(people)
    time_machine.move_to(survey.closes_at)
    raw = {q.id: COMPLETE[q.position] for q in survey.template.questions}
    with pytest.raises(services.SurveyClosed, match="closed on"):
        services.save_response(survey, people.admin, raw)
    assert _responses() == 0


def test_only_the_firms_own_staff_answer(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    other = ff.engagement_with_people("Bravo Laboratories")
    survey = _open(people)
    raw = {q.id: COMPLETE[q.position] for q in survey.template.questions}
    with pytest.raises(services.FeedbackError):
        services.save_response(survey, other.admin, raw)
    with pytest.raises(services.FeedbackError):
        services.save_response(survey, people.fda, raw)
    sign_in(people.fda)
    assert client.get(f"/firm/feedback/{survey.public_id}").status_code == 404
    sign_in(other.admin)
    assert client.post(f"/firm/feedback/{survey.public_id}", data={}).status_code == 404


def test_a_user_sees_only_their_own_answers(app, client, sign_in, no_csrf):
    people = ff.engagement_with_people()
    survey = _open(people)
    sign_in(people.admin)
    client.post(f"/firm/feedback/{survey.public_id}", data=ff.form_answers(survey, COMPLETE))
    sign_in(people.staff[0])
    page = client.get(f"/firm/feedback/{survey.public_id}")
    assert "Send the agenda earlier." not in page.text
    assert "Not given yet" in page.text
    listing = client.get("/firm/feedback")
    assert "Answer the survey" in listing.text and "Not given" in listing.text


def test_the_firm_list_shows_open_and_closed_surveys(app, client, sign_in):
    people = ff.engagement_with_people()
    template = ensure_default_template()
    ff.survey(ff.held_meeting(people.engagement), template)
    old = ff.held_meeting(people.engagement, starts_at=utcnow() - timedelta(days=60))
    ff.survey(old, template)
    sign_in(people.admin)
    page = client.get("/firm/feedback")
    assert page.status_code == 200
    assert page.text.count(">Open</span>") == 1 and page.text.count(">Closed</span>") == 1
    sign_in(ff.engagement_with_people("Bravo Laboratories").admin)
    assert "No feedback requests yet" in client.get("/firm/feedback").text
