"""SQL pieces the measures need that SQLite and PostgreSQL spell differently.

Every figure on the dashboard is computed by the database (a fixed number of
queries whatever the data size), so date arithmetic and the question
deadline of SPEC 8 are expressed here once for both databases.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, Float, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.models import UTCDateTime
from portal.timeutil import PROGRAM_TIMEZONE


class days_between(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    """``later - earlier`` in days, as a fraction (e.g. 1.5 for 36 hours)."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}))"
    )


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)})) / 86400.0)"
    )


class standard_question_deadline(FunctionElement):  # noqa: N801
    """The question deadline of SPEC 8 before any extension, in UTC.

    ``standard_question_deadline(starts_at, timezone, days)``: the same
    wall-clock time ``days`` calendar days before the meeting's start, in the
    meeting's own zone -- across a daylight-saving change that is 335 or 337
    hours, not 336. PostgreSQL knows time zones; SQLite gets the same rule as a
    Python function registered on each connection (below).
    """

    type = UTCDateTime()
    inherit_cache = True


@compiles(standard_question_deadline, "postgresql")
def _deadline_postgresql(element: standard_question_deadline, compiler: Any, **kw: Any) -> str:
    starts_at, zone_name, days = (compiler.process(c, **kw) for c in element.clauses)
    # naive UTC -> local wall clock in the meeting's zone -> minus N days -> back to naive UTC.
    return (
        f"((({starts_at} AT TIME ZONE 'UTC') AT TIME ZONE {zone_name} "
        f"- ({days} * INTERVAL '1 day')) AT TIME ZONE {zone_name} AT TIME ZONE 'UTC')"
    )


@compiles(standard_question_deadline, "sqlite")
def _deadline_sqlite(element: standard_question_deadline, compiler: Any, **kw: Any) -> str:
    return f"sep_question_deadline({compiler.process(element.clauses, **kw)})"


@lru_cache(maxsize=16384)
def question_deadline_text(starts_at: str | None, zone_name: str | None, days: int | None) -> str:
    """SQLite's version of the rule, on the text SQLAlchemy stores for a UTC datetime.

    Called once per question row, so it is cached: a meeting's questions share
    one deadline, and the big dashboard queries would otherwise spend their time here.
    """
    if starts_at is None or days is None:
        return None  # type: ignore[return-value]
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    start = datetime.fromisoformat(starts_at).replace(tzinfo=UTC)
    wall = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=int(days))
    deadline = wall.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    return deadline.isoformat(sep=" ", timespec="microseconds")


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "sep_question_deadline", 3, question_deadline_text, deterministic=True
        )
        # The summary tables' triggers call it (portal.metrics.summary): every connection
        # that may write a question or a meeting needs it.
        dbapi_connection.create_function("sep_program_day", 1, program_day_text, deterministic=True)


class program_day(FunctionElement):  # noqa: N801 - reads as the SQL function it is
    """The day of a UTC instant in the program's zone (``metrics.period``): a period's days.

    Periods are whole days in the program's zone, so counts kept per program day add
    up to any period exactly. PostgreSQL knows the zone; SQLite gets a Python function.
    """

    type = Date()
    inherit_cache = True


class not_an_index_key(FunctionElement):  # noqa: N801 - reads as the SQL it stands for
    """``column`` unchanged, except that SQLite does not choose an index for a term on it.

    SQLite plans without statistics: for ``step = ? AND day BETWEEN ? AND ? ORDER BY days``
    it reads the index by day and sorts the whole period, where reading the index in the
    order of days stops at the row wanted (the medians' offset: 2.7 -> 0.4 ms for the
    whole history at scale 1). SQLite's unary plus leaves the value as is and takes the
    term out of the index choice. PostgreSQL plans from statistics: the bare column.
    """

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_an_index_key)
def _not_an_index_key(element: not_an_index_key, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(not_an_index_key, "sqlite")
def _not_an_index_key_sqlite(element: not_an_index_key, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(program_day, "postgresql")
def _program_day_postgresql(element: program_day, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"CAST((({moment}) AT TIME ZONE 'UTC') AT TIME ZONE '{PROGRAM_TIMEZONE}' AS DATE)"


@compiles(program_day, "sqlite")
def _program_day_sqlite(element: program_day, compiler: Any, **kw: Any) -> str:
    return f"sep_program_day({compiler.process(element.clauses, **kw)})"


def program_day_text(moment: str | None) -> str | None:
    """SQLite's version, on the text SQLAlchemy stores for a UTC datetime."""
    if moment is None:
        return None
    start = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return start.astimezone(_PROGRAM_ZONE).date().isoformat()


_PROGRAM_ZONE = ZoneInfo(PROGRAM_TIMEZONE)
