"""Reads behind the question pages and sections, each a fixed number of queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import accepts_questions
from portal.questions.models import CGMP_TOPICS, Question, QuestionStatus
from portal.security.scoping import firm_scoped, get_owned_or_404

PER_PAGE = 25
PANEL_ROWS = 5

#: Not yet answered in writing nor set down for discussion, and not withdrawn.
AWAITING = (QuestionStatus.RECEIVED, QuestionStatus.UNDER_REVIEW)

#: The FDA list's filters: value -> (label, statuses).
FDA_FILTERS = {
    "awaiting": ("Awaiting a response", AWAITING),
    **{status.value: (status.label, (status,)) for status in QuestionStatus},
    "all": ("All questions", tuple(QuestionStatus)),
}


def group_by_topic(questions: Iterable[Question]) -> list[tuple[str, list[Question]]]:
    """Questions under their CGMP topic headings, in the list's order; empty topics left out."""
    grouped: dict[str, list[Question]] = {key: [] for key, _label in CGMP_TOPICS}
    for question in questions:
        grouped.setdefault(question.topic, []).append(question)
    labels = dict(CGMP_TOPICS)
    return [(labels.get(key, key), items) for key, items in grouped.items() if items]


def _with_meeting() -> tuple:
    return (
        joinedload(Question.meeting),
        joinedload(Question.author),
    )


def firm_questions(page: int):
    """All the viewer's firm's questions, newest first."""
    stmt = firm_scoped(Question, *_with_meeting()).order_by(
        Question.submitted_at.desc(), Question.id.desc()
    )
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def fda_questions(filter_key: str, page: int):
    """Questions across engagements; awaiting ones oldest first, so the longest wait leads."""
    _label, statuses = FDA_FILTERS.get(filter_key, FDA_FILTERS["awaiting"])
    stmt = (
        select(Question)
        .options(
            *_with_meeting(),
            joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.site),
            joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.firm),
        )
        .where(Question.status.in_(statuses))
    )
    if filter_key != "all":
        stmt = stmt.where(Question.withdrawn_at.is_(None))
    stmt = stmt.order_by(Question.submitted_at, Question.id)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def awaiting_response(limit: int = PANEL_ROWS) -> tuple[list[Question], int]:
    """The work list's oldest unanswered questions, and how many there are in all."""
    where = (
        Question.status.in_(AWAITING),
        Question.withdrawn_at.is_(None),
        Meeting.status != MeetingStatus.CANCELLED,
    )
    total = db.session.scalar(select(func.count(Question.id)).join(Question.meeting).where(*where))
    rows = db.session.scalars(
        select(Question)
        .join(Question.meeting)
        .options(
            joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.site)
        )
        .where(*where)
        .order_by(Question.submitted_at)
        .limit(limit)
    ).all()
    return list(rows), total or 0


def engagement_questions(engagement_ids: list[int], limit: int = PANEL_ROWS) -> list[Question]:
    """The latest questions of some engagements, scoped to the viewer (dashboards)."""
    if not engagement_ids:
        return []
    stmt = (
        firm_scoped(Question, joinedload(Question.meeting))
        .where(Question.engagement_id.in_(engagement_ids))
        .order_by(Question.submitted_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def open_meetings(now) -> list[Meeting]:
    """The viewer's firm's scheduled meetings still taking questions, soonest first."""
    candidates = db.session.scalars(
        firm_scoped(Meeting)
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
    ).all()
    return [meeting for meeting in candidates if accepts_questions(meeting, now)]


def load_question(question_id: uuid.UUID, *options) -> Question:
    """A question with what both sides' pages show of it; another firm's answers 404."""
    return get_owned_or_404(
        Question,
        question_id,
        joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.site),
        joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.firm),
        joinedload(Question.author),
        joinedload(Question.responded_by),
        joinedload(Question.follows),
        selectinload(Question.follow_ups),
        *options,
    )
