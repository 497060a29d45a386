"""The four success measures of SPEC 12, each computed in SQL in a fixed number of queries.

Which records a period covers, measure by measure (the notes under each table
say the same to the reader):

* participation: phone calls logged and letters sent in the period; the pool of
  eligible sites is today's (eligibility is a state, not an event);
* engagement: engagements open at any time in the period, meetings held (by
  their start) in it, questions submitted in it, written answers given in it;
* feedback: surveys opened in the period (a survey opens when a meeting is held);
* quality improvement: actions opened, completed and verified in the period;
  "overdue" is as of today.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from portal.auth.models import User
from portal.auth.queries import active_member_of
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
)
from portal.invitations.models import Invitation, InvitationStatus
from portal.meetings.models import Meeting
from portal.metrics.models import MetricsDay, MetricsRating, MetricsSite
from portal.metrics.period import Period
from portal.metrics.sql import standard_question_deadline
from portal.metrics.summary.readers import action_time_medians, answer_median
from portal.models import UTCDateTime
from portal.program.settings import get_setting
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.sites.models import ContactLog
from portal.timeutil import program_today, utcnow


def _number(value) -> float | None:
    """PostgreSQL answers averages as Decimal, SQLite as float: the measures hold floats."""
    return None if value is None else float(value)


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def submitted_on_time() -> ColumnElement[bool]:
    """A question came by its meeting's standard deadline (SPEC 8); needs ``Meeting`` joined.

    The deadline is the same wall-clock time N calendar days before the meeting,
    in the meeting's zone (N: the ``question_deadline_days`` setting, 14 by
    default). A question sent later came in under an FDA extension.
    """
    return Question.submitted_at <= meeting_question_deadline()


def meeting_question_deadline() -> ColumnElement:
    """``Meeting``'s standard question deadline (SPEC 8), before any extension."""
    return standard_question_deadline(
        Meeting.starts_at, Meeting.timezone, literal(get_setting("question_deadline_days"))
    )


def engagement_active_during(period: Period) -> ColumnElement[bool]:
    """The engagement was open at some time in the period."""
    return and_(
        Engagement.opened_at < period.end,
        or_(Engagement.closed_at.is_(None), Engagement.closed_at >= period.start),
    )


def asked_for_feedback(survey_id: ColumnElement, firm_id: ColumnElement) -> ColumnElement[bool]:
    """``User`` was asked to answer the survey: an active user of the survey's firm, or
    anyone who answered it (and may have left the firm since)."""
    answered = exists().where(
        FeedbackResponse.survey_id == survey_id, FeedbackResponse.user_id == User.id
    )
    # The firm's equality stands outside the OR so the database reads the firm's users by
    # their index instead of testing every user against every survey.
    return and_(User.firm_id == firm_id, or_(active_member_of(firm_id), answered))


def overdue_action() -> ColumnElement[bool]:
    """Overdue as of the program's today (``QualityAction.is_overdue``)."""
    return QualityAction.is_overdue(program_today())


class _BoundPeriod:
    """A ``Period`` whose bounds are bound parameters, filled in by ``_values``.

    The dashboard's statements are built once per process against it (``_statements``):
    composing a statement anew for each period cost about as much CPU as running it, and a
    statement object built once also keeps its cache key, so SQLAlchemy's compiled cache
    hits without walking the statement again.
    """

    start = bindparam("start", type_=UTCDateTime())
    end = bindparam("end", type_=UTCDateTime())
    first_day = bindparam("first_day", type_=Date())
    last_day = bindparam("last_day", type_=Date())
    contains = Period.contains


_BOUND = _BoundPeriod()
_NOW = bindparam("now", type_=UTCDateTime())
_TODAY = bindparam("today", type_=Date())


def _values(period: Period) -> dict[str, date | datetime]:
    """The parameters of ``_statements`` for ``period``, as of now."""
    return {
        "start": period.start,
        "end": period.end,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "now": utcnow(),
        "today": program_today(),
    }


# --- participation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    eligible: int
    contacted: int
    invited: int
    accepted: int
    declined: int
    no_response: int
    expired: int
    withdrawn: int
    #: Of the sites called, those where FDA spoke with someone (issue 16: a call that
    #: reached only voicemail is a call, not a conversation).
    reached: int


def participation(period: Period) -> Participation:
    """The funnel: identified eligible, called, reached, invited, and what the invited decided.

    "Contacted" (the field kept for the API) counts sites with any call logged in
    the period; "reached" those with a call logged as "Spoke with the site".

    Sites are counted, not letters: a site's outcome is that of the latest letter
    sent to it in the period (a re-sent letter replaces the earlier one, SPEC 4).
    A letter nobody answered counts as "no response" while its link is open and
    as "expired" once the link has lapsed (whether or not a sweep has marked it).
    """
    pools, outcomes = _statements()["participation"]
    values = _values(period)
    pool = pools[db.session.get_bind().dialect.name]
    eligible, contacted, reached = db.session.execute(pool, values).one()
    outcomes = db.session.execute(outcomes, values).one()
    return Participation(eligible, contacted, *(int(n) for n in outcomes), reached=reached)


def _participation_statements() -> tuple[dict[str, Select], Select]:
    # Each site's verdict is kept by triggers (``metrics.summary``): a count, not a check
    # of every site's products, inspections and actions.
    eligible = select(func.count()).where(MetricsSite.eligible == 1).scalar_subquery()
    in_period = _BOUND.contains(ContactLog.called_at)
    # The sites called and reached, in one pass over the period's calls
    # (ix_contact_log_called_at_*), two ways: PostgreSQL counts the distinct sites twice
    # faster than it groups them (2.3-2.8 against 3.8-5.5 ms for the whole history at
    # scale 1), SQLite groups them once faster than it sorts them twice for two
    # count(DISTINCT) (4.0 against 7.5 ms).
    called = ContactLog.site_id
    distinct_sites = select(
        eligible,
        func.count(distinct(called)),
        func.count(distinct(case((ContactLog.reached_site, called)))),
    ).where(in_period)
    per_site = (
        select(func.max(case((ContactLog.reached_site, 1), else_=0)).label("reached"))
        .where(in_period)
        .group_by(called)
        .subquery()
    )
    grouped_sites = select(
        eligible, func.count(), func.coalesce(func.sum(per_site.c.reached), 0)
    ).select_from(per_site)
    pools = {"postgresql": distinct_sites, "sqlite": grouped_sites}

    # The latest letter of each site: no later letter to the same site in the period. A
    # probe of ix_invitation_site_sent_at per letter, instead of ranking every letter.
    later = aliased(Invitation)
    superseded = exists().where(
        later.site_id == Invitation.site_id,
        _BOUND.contains(later.sent_at),
        or_(
            later.sent_at > Invitation.sent_at,
            and_(later.sent_at == Invitation.sent_at, later.id > Invitation.id),
        ),
    )
    latest = (
        select(Invitation.status.label("status"), Invitation.expires_at.label("expires_at"))
        .where(_BOUND.contains(Invitation.sent_at), ~superseded)
        .subquery()
    )
    status, lapsed = latest.c.status, latest.c.expires_at <= _NOW
    expired = or_(status == InvitationStatus.EXPIRED, and_(status == InvitationStatus.SENT, lapsed))
    waiting = and_(status.in_([InvitationStatus.SENT, InvitationStatus.REPLACED]), ~expired)
    outcomes = select(
        func.count(),
        _sum_if(status == InvitationStatus.ACCEPTED),
        _sum_if(status == InvitationStatus.DECLINED),
        _sum_if(waiting),
        _sum_if(expired),
        _sum_if(status == InvitationStatus.WITHDRAWN),
    )
    return pools, outcomes


# --- engagement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngagementLevel:
    active_engagements: int
    meetings_held: int
    #: Questions (not withdrawn) of the meetings held in the period.
    questions_at_held_meetings: int
    questions_submitted: int
    #: Submitted by the meeting's standard deadline, i.e. not needing an extension.
    questions_on_time: int
    questions_answered: int
    median_days_to_answer: float | None


def engagement_level(period: Period) -> EngagementLevel:
    """Active engagements, meetings held, questions per meeting, on-time share, answer time.

    "On time" is the program's own deadline (SPEC 8): submitted no later than the
    same wall-clock time N calendar days before the meeting in the meeting's zone
    (N is the ``question_deadline_days`` setting, 14 by default). A question sent
    later came in under an FDA extension, and left FDA less time to prepare.
    """
    active_count, meetings_held, at_held, questions, on_time, answered_count = (
        int(n) for n in db.session.execute(_statements()["engagement"], _values(period)).one()
    )
    # Exact, from the answers counted per month and whole day (``summary.readers``).
    median_days = answer_median(period)
    return EngagementLevel(
        active_count,
        meetings_held,
        at_held,
        questions,
        on_time,
        answered_count,
        _number(median_days),
    )


def _engagement_statement() -> Select:
    days = and_(MetricsDay.day >= _BOUND.first_day, MetricsDay.day <= _BOUND.last_day)
    # Summed per program day (``metrics.summary``: kept by triggers with every change).
    return (
        select(
            select(func.count(Engagement.id))
            .where(engagement_active_during(_BOUND))  # type: ignore[arg-type]
            .scalar_subquery(),
            *(
                func.coalesce(func.sum(column), 0)
                for column in (
                    MetricsDay.meetings_held,
                    MetricsDay.questions_at_held,
                    MetricsDay.questions_submitted,
                    MetricsDay.questions_on_time,
                    MetricsDay.questions_answered,
                )
            ),
        )
        .select_from(MetricsDay)
        .where(days)
    )


# --- feedback ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingSummary:
    prompt: str
    answers: int
    mean: float | None
    #: Number of answers 1, 2, 3, 4 and 5.
    distribution: tuple[int, int, int, int, int]
    #: The words for 1..5, as the survey showed them.
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Feedback:
    surveys: int
    people_asked: int
    responses: int
    ratings: tuple[RatingSummary, ...]


def _rating_labels(raw: str | None) -> tuple[str, ...]:
    try:
        labels = json.loads(raw or "[]")
    except ValueError:
        labels = []
    if not isinstance(labels, list) or len(labels) != 5:
        return ("", "", "", "", "")
    return tuple(str(label) for label in labels)


def rating_summaries(
    *where: Any, by_survey: bool = False
) -> list[tuple[int | None, RatingSummary]]:
    """Mean and distribution per rating question, over the answers to the surveys ``where``
    selects (``MeetingSurvey`` is joined); one list per survey when ``by_survey``.

    A rating question kept across template versions (same words) is one question.
    """
    rating = FeedbackAnswer.rating
    survey = [FeedbackResponse.survey_id] if by_survey else []
    rows = db.session.execute(
        select(
            *survey,
            SurveyQuestion.prompt,
            func.count(rating),
            func.avg(rating),
            *(_sum_if(rating == value) for value in range(1, 6)),
            func.max(SurveyQuestion.rating_labels),
        )
        .select_from(FeedbackAnswer)
        .join(SurveyQuestion, FeedbackAnswer.question_id == SurveyQuestion.id)
        .join(FeedbackResponse, FeedbackAnswer.response_id == FeedbackResponse.id)
        .join(MeetingSurvey, FeedbackResponse.survey_id == MeetingSurvey.id)
        .where(SurveyQuestion.kind == SurveyQuestionKind.RATING, rating.is_not(None), *where)
        .group_by(*survey, SurveyQuestion.prompt)
        .order_by(*survey, func.min(SurveyQuestion.position), SurveyQuestion.prompt)
    ).all()
    summaries = []
    for row in rows:
        survey_id, row = (row[0], row[1:]) if by_survey else (None, row)
        summary = RatingSummary(
            prompt=row[0],
            answers=row[1],
            mean=_number(row[2]),
            distribution=tuple(int(n) for n in row[3:8]),  # type: ignore[arg-type]
            labels=_rating_labels(row[8]),
        )
        summaries.append((survey_id, summary))
    return summaries


def feedback(period: Period) -> Feedback:
    """Response rate and, per rating question, mean and distribution (SPEC 10, 12).

    People asked: see ``asked_for_feedback``.
    """
    survey_count, asked, responses = (
        int(n) for n in db.session.execute(_statements()["feedback"], _values(period)).one()
    )
    return Feedback(survey_count, asked, responses, _period_ratings(period))


def _period_ratings(period: Period) -> tuple[RatingSummary, ...]:
    """``rating_summaries`` of the period's surveys, summed from ``MetricsRating`` per day."""
    rows = db.session.execute(_statements()["ratings"], _values(period)).all()
    return tuple(
        RatingSummary(
            prompt=row[0],
            answers=int(row[1]),
            mean=_number(row[2]),
            distribution=tuple(int(n) for n in row[3:8]),  # type: ignore[arg-type]
            labels=_rating_labels(row[8]),
        )
        for row in rows
    )


def _feedback_statement() -> Select:
    # Summed per program day of the meeting (``metrics.summary``, kept by triggers).
    return select(
        *(
            func.coalesce(func.sum(column), 0)
            for column in (MetricsDay.surveys, MetricsDay.people_asked, MetricsDay.survey_responses)
        )
    ).where(MetricsDay.day >= _BOUND.first_day, MetricsDay.day <= _BOUND.last_day)


def _ratings_statement() -> Select:
    counts = [
        func.coalesce(func.sum(column), 0)
        for column in (
            MetricsRating.rated_1,
            MetricsRating.rated_2,
            MetricsRating.rated_3,
            MetricsRating.rated_4,
            MetricsRating.rated_5,
        )
    ]
    answers = func.sum(MetricsRating.answers)
    return (
        select(
            SurveyQuestion.prompt,
            answers,
            func.sum(MetricsRating.rating_sum) * 1.0 / answers,
            *counts,
            func.max(SurveyQuestion.rating_labels),
        )
        .select_from(MetricsRating)
        .join(SurveyQuestion, MetricsRating.question_id == SurveyQuestion.id)
        .where(MetricsRating.day >= _BOUND.first_day, MetricsRating.day <= _BOUND.last_day)
        .group_by(SurveyQuestion.prompt)
        .having(answers > 0)
        .order_by(func.min(SurveyQuestion.position), SurveyQuestion.prompt)
    )


# --- quality improvement --------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityImprovement:
    opened: int
    completed: int
    verified: int
    #: Planned or in progress with the target date passed, today.
    overdue: int
    #: Opening to completion by the firm (SPEC 12 "days to complete").
    median_days_to_complete: float | None
    #: Completion by the firm to verification by FDA.
    median_days_to_verify: float | None


def quality_improvement(period: Period) -> QualityImprovement:
    """Corrective and preventive actions opened, completed, verified, overdue (SPEC 11, 12)."""
    counts, medians = _statements()["quality"]
    values = _values(period)
    counts = db.session.execute(counts, values).one()
    medians = db.session.execute(medians, values).one()
    return QualityImprovement(*(int(n) for n in counts), *(_number(m) for m in medians))


def _quality_statements() -> tuple[Select, Select]:
    # One count per condition rather than one pass with a sum per condition: each is then
    # a range read of its own index (ix_quality_action_*), not a scan of every action.
    counts = select(
        *(
            select(func.count()).select_from(QualityAction).where(condition).scalar_subquery()
            for condition in (
                _BOUND.contains(QualityAction.created_at),
                _BOUND.contains(QualityAction.completed_at),
                _BOUND.contains(QualityAction.verified_at),
                QualityAction.is_overdue(_TODAY),
            )
        )
    )
    # Exact medians from the times kept per action by the summary triggers: an offset into
    # an index, not a rank of every action of the period (``summary.readers``).
    medians = select(*action_time_medians(_BOUND))  # type: ignore[arg-type]
    return counts, medians


@cache
def _statements() -> dict[str, Any]:
    """The dashboard's statements, built on first use (the models are mapped by then)."""
    return {
        "participation": _participation_statements(),
        "engagement": _engagement_statement(),
        "feedback": _feedback_statement(),
        "ratings": _ratings_statement(),
        "quality": _quality_statements(),
    }


@dataclass(frozen=True)
class Measures:
    period: Period
    participation: Participation
    engagement: EngagementLevel
    feedback: Feedback
    quality: QualityImprovement


def compute(period: Period) -> Measures:
    """All four measures for a period: eleven queries, whatever the data size."""
    return Measures(
        period,
        participation(period),
        engagement_level(period),
        feedback(period),
        quality_improvement(period),
    )
