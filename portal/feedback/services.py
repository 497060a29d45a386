"""Feedback requests and responses (SPEC 10).

When FDA marks a meeting held, the firm's users are asked what they thought.
Each firm user gives at most one response per meeting (a unique key, not a
check in Python, so two submissions at once still leave exactly one), and may
change it until the survey closes; afterwards it is kept as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.queries import active_firm_users
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
)
from portal.feedback.survey_templates import ensure_default_template
from portal.mail import queue_email
from portal.meetings.models import Meeting
from portal.program.settings import get_setting
from portal.timeutil import format_date, format_local, to_local, utcnow
from portal.transaction import savepoint
from portal.urls import external_url

#: Longest written answer we keep; a page of text is plenty for meeting feedback.
TEXT_ANSWER_MAX = 4000
#: Attempts at saving a response when a simultaneous submission wins the race.
SAVE_ATTEMPTS = 3


class FeedbackError(ValueError):
    """A response that cannot be accepted; the message is for the person answering."""


class SurveyClosed(FeedbackError):
    """The survey's closing time has passed: answers can no longer be given or changed."""


@dataclass(frozen=True)
class AnswerProblem:
    """What is wrong with the answer to one question, for the field and for the summary."""

    question_id: int
    prompt: str
    problem: str

    def __str__(self) -> str:
        return f"“{self.prompt}”: {self.problem}"


class AnswersInvalid(FeedbackError):
    """One or more answers are missing or unreadable; each problem names its question."""

    def __init__(self, problems: list[AnswerProblem]):
        self.problems = problems
        super().__init__("Check your answers. " + " ".join(str(p) for p in problems))

    @property
    def by_question(self) -> dict[int, str]:
        return {p.question_id: p.problem for p in self.problems}


@dataclass(frozen=True)
class AnswerValue:
    rating: int | None = None
    yes_no: bool | None = None
    text: str | None = None


# --- opening a survey --------------------------------------------------------------


def survey_is_open(survey: MeetingSurvey, now: datetime | None = None) -> bool:
    return (now or utcnow()) < survey.closes_at


def meeting_day(meeting: Meeting, user: User) -> str:
    """The meeting's date as the person reads it, e.g. "3 Mar 2026"."""
    return format_date(to_local(meeting.starts_at, user.timezone))


def open_survey(meeting: Meeting) -> MeetingSurvey:
    """Open the feedback survey of a meeting FDA has just marked held (SPEC 10).

    Called by portal.meetings.services in the same transaction as marking the
    meeting held; does not commit. The survey uses the current default
    template version, closes ``survey_close_days`` after the meeting's start,
    and each active user of the firm is emailed a link (they sign in to answer).
    Calling it again for the same meeting changes nothing.
    """
    existing = db.session.scalars(
        select(MeetingSurvey).where(MeetingSurvey.meeting_id == meeting.id)
    ).first()
    if existing is not None:
        return existing
    template = ensure_default_template()
    now = utcnow()
    survey = MeetingSurvey(
        firm_id=meeting.firm_id,
        meeting_id=meeting.id,
        template_id=template.id,
        opened_at=now,
        closes_at=meeting.starts_at + timedelta(days=get_setting("survey_close_days")),
    )
    db.session.add(survey)
    db.session.flush()
    audit.record(
        "meeting_survey.open",
        survey,
        detail=f"{template.name}, version {template.version}; closes {survey.closes_at:%Y-%m-%d}",
    )
    if not survey_is_open(survey, now):
        # Marked held so late that the answering period is already over: nothing to ask.
        return survey
    link = external_url("firm_feedback.respond", meeting_survey_id=survey.public_id)
    for user in active_firm_users(meeting.firm_id):
        queue_email(
            user.email,
            "feedback_request",
            f"Your feedback on the FDA meeting of {meeting_day(meeting, user)}",
            firm_id=meeting.firm_id,
            user=user,
            meeting=meeting,
            survey=survey,
            link=link,
        )
    return survey


# --- answering ------------------------------------------------------------------------------


def _parse_one(question: SurveyQuestion, raw: str | None) -> tuple[AnswerValue | None, str | None]:
    """The stored value of one posted answer (None when blank), or what is wrong with it."""
    text = (raw or "").strip()
    if question.kind == SurveyQuestionKind.RATING:
        if not text:
            return None, None
        if text not in {"1", "2", "3", "4", "5"}:
            return None, "Choose a number from 1 to 5."
        return AnswerValue(rating=int(text)), None
    if question.kind == SurveyQuestionKind.YES_NO:
        if not text:
            return None, None
        if text not in {"yes", "no"}:
            return None, "Choose yes or no."
        return AnswerValue(yes_no=text == "yes"), None
    if not text:
        return None, None
    if len(text) > TEXT_ANSWER_MAX:
        return None, (
            f"This is {len(text):,} characters long; keep it under {TEXT_ANSWER_MAX:,} characters."
        )
    return AnswerValue(text=text), None


def validate_answers(
    questions: list[SurveyQuestion], raw: Mapping[int, str | None]
) -> dict[int, AnswerValue | None]:
    """Every question's value; AnswersInvalid naming each question left blank or unreadable.

    ``raw`` maps question ids to what was posted. Required questions must be
    answered (SPEC 10: a template marks each question required or optional).
    """
    values: dict[int, AnswerValue | None] = {}
    problems: list[AnswerProblem] = []
    for question in questions:
        value, problem = _parse_one(question, raw.get(question.id))
        if problem is None and value is None and question.required:
            problem = {
                SurveyQuestionKind.RATING: "This question needs an answer: choose from 1 to 5.",
                SurveyQuestionKind.YES_NO: "This question needs an answer: choose yes or no.",
                SurveyQuestionKind.TEXT: "This question needs an answer: write a few words.",
            }[question.kind]
        if problem:
            problems.append(AnswerProblem(question.id, question.prompt, problem))
        values[question.id] = value
    if problems:
        raise AnswersInvalid(problems)
    return values


def _locked_response(survey: MeetingSurvey, user: User) -> FeedbackResponse | None:
    """The user's response, row-locked (PostgreSQL) so that two edits apply one after the other."""
    return db.session.scalars(
        select(FeedbackResponse)
        .where(FeedbackResponse.survey_id == survey.id, FeedbackResponse.user_id == user.id)
        .with_for_update()
    ).first()


def _write_response(
    survey: MeetingSurvey,
    user: User,
    questions: list[SurveyQuestion],
    values: dict[int, AnswerValue | None],
    now: datetime,
) -> tuple[FeedbackResponse, bool]:
    response = _locked_response(survey, user)
    created = response is None
    if created:
        response = FeedbackResponse(
            firm_id=survey.firm_id, survey_id=survey.id, user_id=user.id, submitted_at=now
        )
        # A simultaneous first submission fails here, on the unique key; the savepoint
        # undoes only this insert, and save_response tries again as an edit.
        with savepoint():
            db.session.add(response)
    else:
        response.updated_at = now
    existing = {
        answer.question_id: answer
        for answer in db.session.scalars(
            select(FeedbackAnswer).where(FeedbackAnswer.response_id == response.id)
        )
    }
    for question in questions:
        answer = existing.get(question.id)
        if answer is None:
            answer = FeedbackAnswer(response_id=response.id, question_id=question.id)
            db.session.add(answer)
        value = values.get(question.id) or AnswerValue()
        answer.rating, answer.yes_no, answer.text = value.rating, value.yes_no, value.text
    db.session.flush()
    return response, created


def save_response(
    survey: MeetingSurvey, user: User, raw: Mapping[int, str | None]
) -> FeedbackResponse:
    """Record or replace ``user``'s answers to ``survey``; the view commits.

    Refused once the survey has closed. Two submissions at the same moment
    leave one response: the second meets the unique key (survey, user), its
    savepoint is rolled back and it is retried as an edit of the first.
    """
    if not user.is_firm_user or user.firm_id != survey.firm_id:
        raise FeedbackError("Only the firm's own staff can answer this survey.")
    now = utcnow()
    if not survey_is_open(survey, now):
        raise SurveyClosed(
            f"This survey closed on {format_local(survey.closes_at, user.timezone)}. "
            "Answers can no longer be given or changed."
        )
    survey_id, user_id = survey.id, user.id
    attempt = 1
    while True:
        survey = db.session.get(MeetingSurvey, survey_id)
        user = db.session.get(User, user_id)
        questions = list(survey.template.questions)
        values = validate_answers(questions, raw)
        try:
            response, created = _write_response(survey, user, questions, values, now)
            action = "feedback_response.submit" if created else "feedback_response.update"
            audit.record(action, response)
            return response
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS:
                raise
            attempt += 1
