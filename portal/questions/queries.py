"""Reads behind the question pages and sections, each a fixed number of queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.auth.models import FDA_ROLES, User, UserStatus
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import accepts_questions
from portal.questions.models import CGMP_TOPICS, Question, QuestionNote, QuestionStatus
from portal.security.scoping import firm_scoped, get_owned_or_404, scope_to_viewer

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
            joinedload(Question.assigned_to),
        )
        .where(Question.status.in_(statuses))
    )
    if filter_key != "all":
        stmt = stmt.where(Question.withdrawn_at.is_(None))
    stmt = stmt.order_by(Question.submitted_at, Question.id)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def awaiting_response(limit: int = PANEL_ROWS) -> tuple[list[Question], int]:
    """The work list's oldest unanswered questions, and how many there are in all."""
    return _rows_and_total(db.session.execute(_awaiting_statement(limit)).all())


@cache
def _awaiting_statement(limit: int) -> Select:
    # Built once per process (it varies by nothing but the limit): a fresh statement costs
    # its composition and SQLAlchemy's cache key, about as much CPU as running it.
    where = (
        Question.status.in_(AWAITING),
        Question.withdrawn_at.is_(None),
        Meeting.status != MeetingStatus.CANCELLED,
    )
    return (
        select(Question)
        .join(Question.meeting)
        .add_columns(func.count().over().label("total"))
        .options(
            joinedload(Question.meeting).joinedload(Meeting.engagement).joinedload(Engagement.site)
        )
        .where(*where)
        .order_by(Question.submitted_at)
        .limit(limit)
    )


def _rows_and_total(results) -> tuple[list[Question], int]:
    """The questions of ``(question, total)`` rows, and the total: a panel's count rides on
    its rows as a window taken before LIMIT (every eager load here is many-to-one, so one
    row per question), one query instead of a count and a list."""
    return [question for question, _total in results], int(results[0].total) if results else 0


def engagement_questions(engagement_ids: list[int], limit: int = PANEL_ROWS) -> list[Question]:
    """The latest questions of some engagements, scoped to the viewer (dashboards)."""
    if not engagement_ids:
        return []
    stmt = scope_to_viewer(_engagement_questions_statement(limit), Question)
    return list(db.session.scalars(stmt, {"engagement_ids": list(engagement_ids)}))


@cache
def _engagement_questions_statement(limit: int) -> Select:
    # Built once per process (see _awaiting_statement); the viewer's scope is applied to it
    # per request, which for FDA changes nothing and so keeps its cache key.
    return (
        select(Question)
        .options(joinedload(Question.meeting))
        .where(Question.engagement_id.in_(bindparam("engagement_ids", expanding=True)))
        .order_by(Question.submitted_at.desc(), Question.id.desc())
        .limit(limit)
    )


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


def _mine(person_id: int):
    """Questions assigned to the person that still need FDA's answer, for meetings to come."""
    return (
        Question.assigned_to_id == person_id,
        Question.status.in_(AWAITING),
        Question.withdrawn_at.is_(None),
        Meeting.status == MeetingStatus.SCHEDULED,
    )


def _mine_statement(person_id: int):
    """Soonest meeting first: its answer is due first (Question.answer_due_at)."""
    return (
        select(Question)
        .join(Question.meeting)
        .options(
            contains_eager(Question.meeting)
            .joinedload(Meeting.engagement)
            .joinedload(Engagement.site),
            joinedload(Question.author),
        )
        .where(*_mine(person_id))
        .order_by(Meeting.starts_at, Question.submitted_at, Question.id)
    )


def my_questions(person_id: int, page: int):
    """FDA's "my questions" list, a page at a time."""
    return db.paginate(_mine_statement(person_id), page=page, per_page=PER_PAGE, error_out=False)


def my_questions_panel(person_id: int, limit: int = PANEL_ROWS) -> tuple[list[Question], int]:
    """The work list's first few of "my questions", and how many there are in all."""
    results = db.session.execute(_mine_panel_statement(limit), {"person_id": person_id}).all()
    return _rows_and_total(results)


@cache
def _mine_panel_statement(limit: int) -> Select:
    # Built once per process, the person a bound parameter (see _awaiting_statement).
    stmt = _mine_statement(bindparam("person_id", type_=Integer))
    return stmt.add_columns(func.count().over().label("total")).limit(limit)


def fda_colleagues() -> list[User]:
    """Active FDA staff, by name: who may lead an engagement or be assigned a question."""
    return list(db.session.scalars(_colleagues_statement()))


@cache
def _colleagues_statement() -> Select:
    # Built once per process (see _awaiting_statement).
    return (
        select(User)
        .where(User.role.in_(FDA_ROLES), User.status == UserStatus.ACTIVE)
        .order_by(User.full_name, User.id)
    )


def question_notes(question: Question) -> list[QuestionNote]:
    """FDA's internal notes on a question, oldest first (read by FDA pages only)."""
    return list(
        db.session.scalars(
            select(QuestionNote)
            .options(joinedload(QuestionNote.author))
            .where(QuestionNote.question_id == question.id)
            .order_by(QuestionNote.created_at, QuestionNote.id)
        )
    )
