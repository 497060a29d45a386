"""Demo feedback for `flask seed-demo`: the shipped template, and surveys with answers.

The meetings demo's held meeting (five weeks ago) already has its survey, now
closed: the first firm's quality lead answered it. So that there is also an
open survey to try, the second firm gets a meeting held eight days ago: its
quality lead has answered, and its validation lead has not (so `flask reminders
send` has a reminder to send). Anything missing is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestionKind,
)
from portal.feedback.services import open_survey
from portal.feedback.survey_templates import ensure_default_template
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.timeutil import utcnow

STAFF = "staff@fda.example.gov"

#: Answers by kind, in the shipped template's order: two ratings, yes/no, text.
ANSWERS = {
    "closed": [4, 5, True, "Send the agenda a week ahead so our validation team can prepare."],
    "open": [5, 4, True, ""],
}


def _firm_lead(firm_id: int, people: dict[str, User]) -> User | None:
    return next(
        (p for p in people.values() if p.firm_id == firm_id and p.role == Role.FIRM_ADMIN), None
    )


def _answer(survey: MeetingSurvey, user: User, values: list, when) -> None:
    response = FeedbackResponse(
        firm_id=survey.firm_id, survey_id=survey.id, user_id=user.id, submitted_at=when
    )
    db.session.add(response)
    db.session.flush()
    questions = db.session.get(MeetingSurvey, survey.id).template.questions
    for question, value in zip(questions, values, strict=False):
        answer = FeedbackAnswer(response_id=response.id, question_id=question.id)
        if question.kind == SurveyQuestionKind.RATING:
            answer.rating = value
        elif question.kind == SurveyQuestionKind.YES_NO:
            answer.yes_no = value
        else:
            answer.text = value or None
        db.session.add(answer)


def _recent_held_meeting(firm: Firm, staff: User) -> Meeting | None:
    engagement = db.session.scalars(
        select(Engagement).where(
            Engagement.firm_id == firm.id, Engagement.status == EngagementStatus.ACTIVE
        )
    ).first()
    if engagement is None:
        return None
    starts = utcnow() - timedelta(days=8)
    meeting = Meeting(
        firm_id=firm.id,
        engagement_id=engagement.id,
        starts_at=starts,
        timezone="America/New_York",
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
        join_details="https://meet.example.gov/sep-demo",
        agenda="1. The firm's cleaning validation programme\n2. Next steps",
        status=MeetingStatus.HELD,
        held_at=starts + timedelta(hours=1),
        scheduled_by_id=staff.id,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    ensure_default_template()
    held = db.session.scalars(
        select(Meeting).where(Meeting.status == MeetingStatus.HELD).order_by(Meeting.starts_at)
    ).first()
    if held is not None:
        survey = open_survey(held)
        lead = _firm_lead(held.firm_id, people)
        if lead is not None:
            _answer(survey, lead, ANSWERS["closed"], held.starts_at + timedelta(days=2))
    staff = people.get(STAFF)
    if len(firms) > 1 and staff is not None:
        meeting = _recent_held_meeting(firms[1], staff)
        lead = _firm_lead(firms[1].id, people)
        if meeting is not None:
            survey = open_survey(meeting)
            survey.opened_at = meeting.starts_at + timedelta(hours=2)
            if lead is not None:
                _answer(survey, lead, ANSWERS["open"], meeting.starts_at + timedelta(days=1))
    db.session.flush()
