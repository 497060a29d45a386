"""Factories for the feedback and quality tests, next to the shared tests/factories.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from portal.auth.models import Role
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
)
from portal.meetings.models import MeetingStatus
from portal.timeutil import utcnow
from tests import factories


def engagement_with_people(name: str = "Alpha Pharmaceuticals", *, staff: int = 1):
    """A firm with an admin, ``staff`` quality staff, an FDA staff member and an engagement."""
    firm = factories.firm(name)
    slug = name.split()[0].lower()
    admin = factories.user(
        Role.FIRM_ADMIN, firm=firm, email=f"lead@{slug}.example.com", full_name=f"{name} Lead"
    )
    people = [
        factories.user(
            Role.FIRM_STAFF,
            firm=firm,
            email=f"qa{n}@{slug}.example.com",
            full_name=f"{name} QA {n}",
        )
        for n in range(1, staff + 1)
    ]
    fda = factories.user(Role.FDA_STAFF, email=f"fda-{slug}@fda.example.gov")
    engagement = factories.engagement(firm, sent_by=fda)
    return SimpleNamespace(firm=firm, admin=admin, staff=people, fda=fda, engagement=engagement)


def held_meeting(engagement, *, starts_at: datetime | None = None, **values):
    starts_at = starts_at or utcnow() - timedelta(days=1)
    values.setdefault("status", MeetingStatus.HELD)
    values.setdefault("held_at", starts_at + timedelta(hours=1))
    return factories.meeting(engagement, starts_at=starts_at, **values)


def survey(meeting, template, *, opened_at: datetime | None = None, days: int = 30):
    """A survey of ``meeting`` made directly (no emails), closing ``days`` after the meeting."""
    return factories._save(
        MeetingSurvey(
            firm_id=meeting.firm_id,
            meeting_id=meeting.id,
            template_id=template.id,
            opened_at=opened_at or meeting.starts_at + timedelta(hours=2),
            closes_at=meeting.starts_at + timedelta(days=days),
        )
    )


def respond(survey: MeetingSurvey, user, answers: dict[int, object]) -> FeedbackResponse:
    """A response with the given answers, keyed by question position (rating, bool or text)."""
    response = factories._save(
        FeedbackResponse(
            firm_id=survey.firm_id, survey_id=survey.id, user_id=user.id, submitted_at=utcnow()
        )
    )
    questions = {q.position: q for q in db.session.get(type(survey), survey.id).template.questions}
    for position, value in answers.items():
        question: SurveyQuestion = questions[position]
        answer = FeedbackAnswer(response_id=response.id, question_id=question.id)
        if question.kind == SurveyQuestionKind.RATING:
            answer.rating = value
        elif question.kind == SurveyQuestionKind.YES_NO:
            answer.yes_no = value
        else:
            answer.text = value
        factories._save(answer)
    return response


def form_answers(survey: MeetingSurvey, by_position: dict[int, str]) -> dict[str, str]:
    """Posted form fields (``q<question id>``) for answers given by question position."""
    questions = {q.position: q for q in survey.template.questions}
    return {f"q{questions[position].id}": value for position, value in by_position.items()}
