"""Reads behind the meeting pages and sections, each a fixed number of queries.

Firm-side reads start from `portal.security.scoping.firm_scoped`, so a firm
user's list can only ever hold their own firm's meetings.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.questions.models import Question
from portal.security.scoping import firm_scoped, scope_to_viewer
from portal.timeutil import zone

PER_PAGE = 25
#: Rows a panel shows before linking to the full list.
PANEL_ROWS = 5


def with_engagement() -> tuple:
    """Eager loads so a list can name each meeting's site and firm without a query per row."""
    return (
        joinedload(Meeting.engagement).joinedload(Engagement.site),
        joinedload(Meeting.engagement).joinedload(Engagement.firm),
    )


def _when(stmt: Select, when: str, now: datetime) -> Select:
    if when == "past":
        return stmt.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc())
    return stmt.where(Meeting.starts_at >= now).order_by(Meeting.starts_at)


def fda_meetings(when: str, page: int, now: datetime):
    """Every engagement's meetings, upcoming (soonest first) or past (latest first)."""
    stmt = _when(select(Meeting).options(*with_engagement()), when, now)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def firm_meetings(when: str, page: int, now: datetime):
    """The viewer's firm's meetings."""
    stmt = _when(firm_scoped(Meeting, *with_engagement()), when, now)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def question_counts(meeting_ids: list[int], *, firm_side: bool = False) -> dict[int, int]:
    """Questions still standing (not withdrawn) per meeting, in one query."""
    if not meeting_ids:
        return {}
    stmt = (
        select(Question.meeting_id, func.count(Question.id))
        .where(Question.meeting_id.in_(meeting_ids), Question.withdrawn_at.is_(None))
        .group_by(Question.meeting_id)
    )
    if firm_side:
        stmt = scope_to_viewer(stmt, Question)
    return dict(db.session.execute(stmt).all())


def engagement_meetings(engagement: Engagement) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.engagement_id == engagement.id)
            .order_by(Meeting.starts_at.desc())
        )
    )


def is_first_meeting(meeting: Meeting) -> bool:
    """Whether ``meeting`` is its engagement's initial one, where the timeframe is agreed."""
    earlier = db.session.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.engagement_id == meeting.engagement_id,
            Meeting.status != MeetingStatus.CANCELLED,
            Meeting.starts_at < meeting.starts_at,
        )
    )
    return meeting.status != MeetingStatus.CANCELLED and earlier == 0


def upcoming_for_engagements(engagement_ids: list[int], now: datetime) -> list[Meeting]:
    """Scheduled meetings still to come, for the firm's dashboards (scoped to the viewer)."""
    if not engagement_ids:
        return []
    stmt = (
        firm_scoped(Meeting, *with_engagement())
        .where(
            Meeting.engagement_id.in_(engagement_ids),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= now,
        )
        .order_by(Meeting.starts_at)
        .limit(PANEL_ROWS)
    )
    return list(db.session.scalars(stmt).unique())


def meetings_between(start: datetime, end: datetime) -> list[Meeting]:
    """FDA work list: meetings not cancelled that start in [start, end)."""
    return list(db.session.scalars(_between_statement(), {"start": start, "end": end}).unique())


@cache
def _between_statement() -> Select:
    # The work list's statements are built once per process, their moments bound
    # parameters: composing one (eager loads and all) and computing its cache key cost
    # about as much CPU as running it.
    return (
        select(Meeting)
        .options(*with_engagement())
        .where(
            Meeting.starts_at >= bindparam("start"),
            Meeting.starts_at < bindparam("end"),
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.starts_at)
    )


def meetings_to_mark_held(now: datetime, limit: int = 20) -> list[Meeting]:
    """Still scheduled though over (start plus length in the past): FDA should mark them held.

    The database narrows to meetings that started; the end (a sum with a
    per-row length) is checked here, which stays one query.
    """
    started = db.session.scalars(_started_statement(limit + 20), {"now": now}).unique()
    return [meeting for meeting in started if meeting.ends_at <= now][:limit]


@cache
def _started_statement(limit: int) -> Select:
    return (
        select(Meeting)
        .options(*with_engagement())
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at < bindparam("now"))
        .order_by(Meeting.starts_at)
        .limit(limit)
    )


def week_bounds(now: datetime, zone_name: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of the viewer's week, as UTC moments."""
    local_zone = zone(zone_name)
    local_now = now.astimezone(local_zone)
    monday = datetime.combine(local_now.date() - timedelta(days=local_now.weekday()), time())
    # Lenient on purpose: where midnight is skipped by a clock change, fold=0 lands just after.
    return (
        monday.replace(tzinfo=local_zone).astimezone(UTC),
        (monday + timedelta(days=7)).replace(tzinfo=local_zone).astimezone(UTC),
    )


def meeting_questions(meeting: Meeting, *, include_withdrawn: bool = True) -> list[Question]:
    """A meeting's questions with their authors, in one query; firm-scoped for firm viewers."""
    stmt = (
        firm_scoped(Question, selectinload(Question.author))
        .where(Question.meeting_id == meeting.id)
        .order_by(Question.submitted_at)
    )
    if not include_withdrawn:
        stmt = stmt.where(Question.withdrawn_at.is_(None))
    return list(db.session.scalars(stmt))
