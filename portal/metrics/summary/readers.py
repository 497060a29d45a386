"""How the measures read the summary rows where a sum per day is not enough."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from portal.extensions import db
from portal.metrics.models import MetricsActionTime, MetricsAnswer, MetricsAnswerMonth
from portal.metrics.period import Period
from portal.metrics.sql import not_an_index_key
from portal.metrics.summary.contributions import whole_days


def median_by_offset(
    days: InstrumentedAttribute, where: tuple[Any, ...], ordered_where: tuple[Any, ...]
) -> ScalarSelect:
    """The exact median of ``days`` over the rows ``where`` selects, as one scalar subquery.

    The rows are counted first (a range read of an index by day), then the middle one
    or two are an offset into the index in the order of ``days``: no window function
    ranks every row of the period. ``ordered_where`` selects the same rows for that
    offset, spelled so that the database reads the index in the order of ``days``
    (``not_an_index_key``). NULL when no row is selected.
    """
    count = select(func.count()).where(*where).scalar_subquery()
    middle = (
        select(days.label("days"))
        .where(*ordered_where)
        .order_by(days)
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
        .subquery()
    )
    return select(func.avg(middle.c.days)).scalar_subquery()


def action_time_medians(period: Period) -> tuple[ScalarSelect, ScalarSelect]:
    """The period's median days to complete and to verify (``metrics_action_time``)."""

    def in_period(day: Any) -> tuple[Any, ...]:
        return day >= period.first_day, day <= period.last_day

    day = MetricsActionTime.day
    return tuple(  # type: ignore[return-value]
        median_by_offset(
            MetricsActionTime.days,
            (MetricsActionTime.step == step, *in_period(day)),
            # Through ix_metrics_action_time_step_days_day in the order of days.
            (MetricsActionTime.step == step, *in_period(not_an_index_key(day))),
        )
        for step in ("complete", "verify")
    )


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@cache
def _answer_median_statements(dialect: str) -> tuple[Select, Select]:
    """``answer_median``'s two reads, built once per process with its values as parameters
    (composing them anew cost about as much as running them)."""
    first, last = bindparam("first", type_=Date()), bindparam("last", type_=Date())
    months_from = bindparam("months_from", type_=Date())
    months_to = bindparam("months_to", type_=Date())
    bucket = literal_column(whole_days("metrics_answer.days", dialect))
    in_months = select(
        MetricsAnswerMonth.bucket.label("bucket"), MetricsAnswerMonth.answers.label("answers")
    ).where(MetricsAnswerMonth.day >= months_from, MetricsAnswerMonth.day < months_to)
    at_edges = select(bucket.label("bucket"), literal(1).label("answers")).where(
        or_(
            and_(MetricsAnswer.day >= first, MetricsAnswer.day < months_from),
            and_(MetricsAnswer.day >= months_to, MetricsAnswer.day <= last),
        )
    )
    counted = in_months.union_all(at_edges).subquery()
    per_bucket = (
        select(counted.c.bucket, func.sum(counted.c.answers))
        .group_by(counted.c.bucket)
        .having(func.sum(counted.c.answers) > 0)
        .order_by(counted.c.bucket)
    )
    middle = (
        select(MetricsAnswer.days)
        .where(
            MetricsAnswer.days >= bindparam("lowest"),
            MetricsAnswer.days < bindparam("above"),
            MetricsAnswer.day >= first,
            MetricsAnswer.day <= last,
        )
        .order_by(MetricsAnswer.days)
        .offset(bindparam("skip", type_=Integer()))
        .limit(bindparam("take", type_=Integer()))
    )
    return per_bucket, middle


def answer_median(period: Period) -> float | None:
    """The exact median days to a written answer of the period's answers, in two reads.

    The first counts the answers per whole number of days: from ``metrics_answer_month``
    for the months the period covers whole, from ``metrics_answer`` for the days of a
    partial month at either end. That says which bucket (or two) holds the middle
    answers and how many answers lie below it; the second reads those answers' exact
    values as an offset into ``metrics_answer``'s index in the order of ``days``,
    limited to that bucket. Neither read grows with the length of the period.
    """
    first, last = period.first_day, period.last_day
    months_from = first if first.day == 1 else _next_month(first)
    months_to = (last + timedelta(days=1)).replace(day=1)
    if months_from >= months_to:
        months_from = months_to = last + timedelta(days=1)  # no whole month: all edges
    count_read, middle_read = _answer_median_statements(db.session.get_bind().dialect.name)
    days = {"first": first, "last": last}
    per_bucket = db.session.execute(
        count_read, {**days, "months_from": months_from, "months_to": months_to}
    ).all()
    total = sum(int(n) for _, n in per_bucket)
    if total == 0:
        return None
    lower, upper = (total - 1) // 2, total // 2
    below, lowest, skipped = 0, None, 0
    for whole, answers in per_bucket:
        if lowest is None and below + answers > lower:
            lowest, skipped = whole, below
        if below + answers > upper:
            highest = whole
            break
        below += answers
    middle = db.session.scalars(
        middle_read,
        {
            **days,
            "lowest": lowest,
            "above": highest + 1,
            "skip": lower - skipped,
            "take": upper - lower + 1,
        },
    ).all()
    return sum(middle) / len(middle)
