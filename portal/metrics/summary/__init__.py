"""The summary tables the dashboard reads, kept by triggers in the transaction of each change.

Why summary rows as well as the cached figures (``cache``): the cache is only as
fast as its first reader after a write, and a busy program writes all day; over
the whole history the question figures read half a million questions (5 s on
SQLite). Summed per program day instead, a period is a few thousand rows.

Why database triggers and not ORM events: questions and meetings are also written
by bulk statements (imports, another session's ``update()``), and a trigger runs
in the writing transaction whatever wrote the row, on both databases (the same
choice as ``portal.api.site_changes``). The row is changed and counted in one
commit or not at all, so no reader ever sees one without the other.

Each trigger takes back what the old row contributed and adds what the new row
contributes. Taking back only updates rows that exist: a counted contribution
always has its day row, and a table emptied first (a test's cleanup) stays empty.
Adding is an upsert in day order, so two writers lock day rows in the same order.

A question is "on time" by its meeting's standard deadline (``measures.
submitted_on_time``), which depends on the meeting's start and zone and on the
``question_deadline_days`` setting: rescheduling a meeting recounts its questions,
and changing the setting recounts them all.

The package, by concern: ``contributions`` (what one record adds to the rows, as SQL),
``eligible_sites`` (each site's verdict), ``trigger_bodies`` (what each watched table's
triggers run), ``sqlite_triggers`` and ``postgresql_triggers`` (how each database wraps
them), ``rebuild`` (every record at once) and ``readers`` (how the measures read the rows).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.extensions import db
from portal.metrics.summary import postgresql_triggers, sqlite_triggers
from portal.metrics.summary.contributions import (
    COLUMNS,
    RATING_COLUMNS,
    all_rating_rows,
    all_rows,
    totals,
)
from portal.metrics.summary.eligible_sites import SITE_WATCHED
from portal.metrics.summary.rebuild import rebuild_statements
from portal.metrics.summary.trigger_bodies import ACTION_WATCHED, WATCHED

__all__ = [
    "COLUMNS",
    "CREATE",
    "DROP",
    "RATING_COLUMNS",
    "all_rating_rows",
    "all_rows",
    "rebuild_statements",
    "totals",
]

#: The tests recount the rows with it under its first name.
_totals = totals

CREATE = {
    "sqlite": sqlite_triggers.create_statements,
    "postgresql": postgresql_triggers.create_statements,
}
DROP = {
    "sqlite": sqlite_triggers.drop_statements,
    "postgresql": postgresql_triggers.drop_statements,
}


def _install(target, connection, **_kw) -> None:
    summaries = {"metrics_day", "metrics_answer", "metrics_rating", "metrics_site"}
    summaries |= {"metrics_action_time", "metrics_answer_month"}
    needed = summaries | {"program_setting"} | {w[0] for w in (*WATCHED, *SITE_WATCHED)}
    needed |= {ACTION_WATCHED[0]}
    if not needed <= set(target.tables):
        return
    for statement in CREATE.get(connection.dialect.name, list)():
        connection.execute(DDL(statement.replace("%", "%%")))


def _remove(_target, connection, **_kw) -> None:
    for statement in DROP.get(connection.dialect.name, list)():
        connection.execute(DDL(statement))


# create_all (the tests, a new database without migrations) builds the tables first.
event.listen(db.metadata, "after_create", _install)
event.listen(db.metadata, "before_drop", _remove)
