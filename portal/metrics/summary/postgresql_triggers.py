"""The summary triggers as PostgreSQL writes them: a PL/pgSQL function per table and event,
which first locks what concurrent writers of related rows must take turns on."""

from __future__ import annotations

from portal.metrics.summary.contributions import DEADLINE_SETTING, WINDOW_SETTINGS, recount_on_time
from portal.metrics.summary.eligible_sites import SITE_WATCHED, refresh_all_sites
from portal.metrics.summary.trigger_bodies import (
    ACTION_WATCHED,
    EVENTS,
    WATCHED,
    action_bodies,
    day_bodies,
    site_bodies,
)


def _postgresql_locks(table: str) -> dict[str, list[str]]:
    """What a PostgreSQL trigger locks before it counts.

    A question is counted by its meeting's start, zone and status, and a meeting's
    change recounts its questions: were both written at once, each trigger would
    count with the other's row as it was before, and the uncommitted question would
    be missed by the meeting's recount. Holding the meeting row FOR SHARE while a
    question is counted makes a change to that meeting wait for the question's
    commit, and a question wait for the meeting's (it then reads the new row).
    A change of the deadline setting recounts every question: it takes the question
    and meeting tables in SHARE mode, waiting for writers in progress and holding new
    ones until it commits. (SQLite has one writer at a time.)
    """
    if table == "question":
        lock = "PERFORM 1 FROM meeting WHERE id IN ({ids}) ORDER BY id FOR SHARE"
    else:
        # Meetings, surveys, responses and people of one firm count each other: their
        # writers take turns on the firm's row (NO KEY: other rows may still reference it).
        lock = "PERFORM 1 FROM firm WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"
    column = "meeting_id" if table == "question" else "firm_id"
    if table == "feedback_answer":
        # An answer's firm is its response's.
        ids = "SELECT firm_id FROM feedback_response WHERE id IN ({responses})"
        return {
            when: [lock.format(ids=ids.format(responses=responses))]
            for when, responses in (
                ("insert", "NEW.response_id"),
                ("update", "OLD.response_id, NEW.response_id"),
                ("delete", "OLD.response_id"),
            )
        }
    return {
        "insert": [lock.format(ids=f"NEW.{column}")],
        "update": [lock.format(ids=f"OLD.{column}, NEW.{column}")],
        "delete": [lock.format(ids=f"OLD.{column}")],
    }


def _site_locks(table: str) -> dict[str, list[str]]:
    """PostgreSQL: writers of one site's records take turns on the site's row, so each
    verdict is computed with the others' committed rows."""
    if table == "site":
        return {}
    lock = "PERFORM 1 FROM site WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"
    return {
        "insert": [lock.format(ids="NEW.site_id")],
        "update": [lock.format(ids="OLD.site_id, NEW.site_id")],
        "delete": [lock.format(ids="OLD.site_id")],
    }


def _plpgsql(name: str, statements: list[str]) -> str:
    body = "".join(f"    {statement};\n" for statement in statements)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n{body}"
        "    RETURN NULL;\nEND $$ LANGUAGE plpgsql"
    )


def create_statements() -> list[str]:
    statements = []
    for table, columns, day_rows, rating_rows in WATCHED:
        bodies = day_bodies(table, day_rows, rating_rows, "postgresql")
        locks = _postgresql_locks(table)
        for when in EVENTS:
            name = f"metrics_day_{table}_{when}"
            timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
            statements += [
                _plpgsql(name, locks.get(when, []) + bodies[when]),
                f"CREATE TRIGGER {name} AFTER {timing} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ]
    recount = ["LOCK TABLE question, meeting IN SHARE MODE", *recount_on_time("postgresql")]
    statements.append(_plpgsql("metrics_day_program_setting", recount))
    for name, timing, row in (
        ("metrics_day_program_setting", "INSERT OR UPDATE", "NEW"),
        ("metrics_day_program_setting_delete", "DELETE", "OLD"),
    ):
        statements.append(
            f"CREATE TRIGGER {name} AFTER {timing} ON program_setting FOR EACH ROW "
            f"WHEN ({row}.\"key\" = '{DEADLINE_SETTING}') "
            "EXECUTE FUNCTION metrics_day_program_setting()"
        )
    for table, columns, column in SITE_WATCHED:
        bodies = site_bodies(table, column, "postgresql")
        locks = _site_locks(table)
        for when in EVENTS:
            name = f"metrics_site_{table}_{when}"
            timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
            statements += [
                _plpgsql(name, locks.get(when, []) + bodies[when]),
                f"CREATE TRIGGER {name} AFTER {timing} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ]
    refresh = [
        "LOCK TABLE site, product, inspection, regulatory_action IN SHARE MODE",
        *refresh_all_sites("postgresql"),
    ]
    statements.append(_plpgsql("metrics_site_program_setting", refresh))
    window = ", ".join(f"'{key}'" for key in WINDOW_SETTINGS)
    for name, timing, row in (
        ("metrics_site_program_setting", "INSERT OR UPDATE", "NEW"),
        ("metrics_site_program_setting_delete", "DELETE", "OLD"),
    ):
        statements.append(
            f"CREATE TRIGGER {name} AFTER {timing} ON program_setting FOR EACH ROW "
            f'WHEN ({row}."key" IN ({window})) '
            "EXECUTE FUNCTION metrics_site_program_setting()"
        )
    # Nothing to lock: an action's times read only its own row, whose writers already
    # take turns on its row lock.
    table, columns = ACTION_WATCHED
    bodies = action_bodies("postgresql")
    for when in EVENTS:
        name = f"metrics_action_time_{table}_{when}"
        timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
        statements += [
            _plpgsql(name, bodies[when]),
            f"CREATE TRIGGER {name} AFTER {timing} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return statements


def drop_statements() -> list[str]:
    statements = [
        f"DROP TRIGGER IF EXISTS {name} ON program_setting"
        for name in ("metrics_day_program_setting", "metrics_day_program_setting_delete")
    ]
    for table, *_ in WATCHED:
        statements += [
            f"DROP TRIGGER IF EXISTS metrics_day_{table}_{when} ON {table}" for when in EVENTS
        ]
    statements += [
        f"DROP TRIGGER IF EXISTS {name} ON program_setting"
        for name in ("metrics_site_program_setting", "metrics_site_program_setting_delete")
    ]
    for table, *_ in SITE_WATCHED:
        statements += [
            f"DROP TRIGGER IF EXISTS metrics_site_{table}_{when} ON {table}" for when in EVENTS
        ]
    names = [f"metrics_day_{table}_{when}" for table, *_ in WATCHED for when in EVENTS]
    names += [f"metrics_site_{table}_{when}" for table, *_ in SITE_WATCHED for when in EVENTS]
    names += ["metrics_day_program_setting", "metrics_site_program_setting"]
    table = ACTION_WATCHED[0]
    statements += [
        f"DROP TRIGGER IF EXISTS metrics_action_time_{table}_{when} ON {table}" for when in EVENTS
    ]
    names += [f"metrics_action_time_{table}_{when}" for when in EVENTS]
    return statements + [f"DROP FUNCTION IF EXISTS {name}()" for name in names]
