"""The firm's side: its feedback requests, and each user's own answers (SPEC 10)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.audiences import Audience, audience_blueprint
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback import services
from portal.feedback.forms import field_name, response_form
from portal.feedback.models import FeedbackResponse, MeetingSurvey, SurveyTemplate
from portal.meetings.models import Meeting
from portal.security import access
from portal.security.scoping import firm_scoped, get_owned_or_404
from portal.timeutil import format_local

bp = audience_blueprint("firm_feedback", __name__, audience=Audience.FIRM)

PER_PAGE = 20


def _with_meeting():
    return (
        joinedload(MeetingSurvey.meeting).joinedload(Meeting.engagement).joinedload(Engagement.site)
    )


@bp.route("/firm/feedback")
@access.firm_user
def index():
    """The firm's surveys, open and closed, each with whether this user has answered."""
    stmt = (
        firm_scoped(MeetingSurvey, _with_meeting())
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .order_by(Meeting.starts_at.desc(), MeetingSurvey.id)
    )
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    ids = [survey.id for survey in page.items]
    own = {}
    if ids:
        mine = select(FeedbackResponse).where(
            FeedbackResponse.survey_id.in_(ids), FeedbackResponse.user_id == current_user.id
        )
        own = {response.survey_id: response for response in db.session.scalars(mine)}
    return render_template(
        "feedback/firm_index.html", page=page, own=own, is_open=services.survey_is_open
    )


def _closed_message(survey: MeetingSurvey) -> str:
    return (
        f"This survey closed on {format_local(survey.closes_at, current_user.timezone)}. "
        "Answers can no longer be given or changed."
    )


@bp.route("/firm/feedback/<uuid:meeting_survey_id>", methods=["GET", "POST"])
@access.firm_user
def respond(meeting_survey_id: uuid.UUID):
    """Answer, or change one's answers, until the survey closes; afterwards read them."""
    survey = get_owned_or_404(
        MeetingSurvey,
        meeting_survey_id,
        _with_meeting(),
        joinedload(MeetingSurvey.template).selectinload(SurveyTemplate.questions),
    )
    questions = list(survey.template.questions)
    response = db.session.scalars(
        select(FeedbackResponse)
        .options(selectinload(FeedbackResponse.answers))
        .where(FeedbackResponse.survey_id == survey.id, FeedbackResponse.user_id == current_user.id)
    ).first()
    answers = {answer.question_id: answer for answer in response.answers} if response else {}
    is_open = services.survey_is_open(survey)
    if request.method == "GET":
        form = response_form(questions, answers)
    else:
        form = response_form(questions, {}, formdata=request.form)
    refusal = None
    if request.method == "POST" and not is_open:
        refusal = _closed_message(survey)
    elif request.method == "POST" and form.validate():
        raw = {question.id: form[field_name(question)].data for question in questions}
        try:
            services.save_response(survey, current_user, raw)
        except services.SurveyClosed:
            refusal = _closed_message(survey)
        except services.AnswersInvalid as error:
            for question_id, problem in error.by_question.items():
                field = form[f"q{question_id}"]
                field.errors = [*field.errors, problem]
        else:
            db.session.commit()
            closes = format_local(survey.closes_at, current_user.timezone)
            flash(
                f"Thank you. Your answers are saved; you can change them until {closes}.",
                "success",
            )
            return redirect(url_for("firm_feedback.respond", meeting_survey_id=survey.public_id))
    return render_template(
        "feedback/respond.html",
        survey=survey,
        meeting=survey.meeting,
        questions=questions,
        response=response,
        answers=answers,
        form=form,
        is_open=is_open and refusal is None,
        refusal=refusal,
    ), (409 if refusal else 200)
