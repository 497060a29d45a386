"""Short lists of quality actions for other pages' sections (firm's and FDA's alike).

Each list shows at most SECTION_ROWS actions, overdue first, with the number of
all of them: one query per list, whatever the number of actions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select

from portal.extensions import db
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.pages import list_options
from portal.security.scoping import scope_to_viewer

SECTION_ROWS = 10
#: Still needing someone's attention: being worked on, or waiting for FDA to verify.
UNFINISHED = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED)


def _listed(stmt: Select, today) -> Select:
    """A short list's rows, overdue first then by target date, with the count of all that
    match riding on them (a window taken before LIMIT): one query instead of two."""
    return (
        stmt.add_columns(func.count().over().label("total"))
        .options(*list_options())
        .order_by(
            case((QualityAction.is_overdue(today), 0), else_=1),
            QualityAction.target_date.asc().nulls_last(),
            QualityAction.id,
        )
        .limit(SECTION_ROWS)
    )


def _section(stmt: Select, params: dict, *, today: date, heading: str, empty: str) -> dict:
    results = db.session.execute(scope_to_viewer(stmt, QualityAction), params).all()
    return {
        "heading": heading,
        "rows": [action for action, _ in results],
        "total": int(results[0].total) if results else 0,
        "empty": empty,
        "today": today,
    }


def shortlist(condition, today: date, *, heading: str, empty: str) -> dict[str, Any]:
    """The first rows (overdue first, then by target date) and how many match in all."""
    stmt = _listed(select(QualityAction).where(condition), today)
    return _section(stmt, {}, today=today, heading=heading, empty=empty)


@cache
def _prepared(condition: Callable[[], ColumnElement[bool]]) -> Select:
    return _listed(select(QualityAction).where(condition()), bindparam("today"))


def prepared_shortlist(
    condition: Callable[[], ColumnElement[bool]],
    today: date,
    *,
    heading: str,
    empty: str,
    **params: Any,
) -> dict[str, Any]:
    """``shortlist`` for a condition that takes its values as bound parameters (``params``;
    ``today`` is one): its statement is built once per process, since composing it and
    computing SQLAlchemy's cache key cost about as much CPU as running it. ``condition`` is
    a module-level function: the cache keeps one statement per function."""
    return _section(
        _prepared(condition),
        {"today": today, **params},
        today=today,
        heading=heading,
        empty=empty,
    )
