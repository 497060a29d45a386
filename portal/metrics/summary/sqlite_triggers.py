"""The summary triggers as SQLite writes them: one trigger per table and event, the
statements inline (SQLite has one writer at a time, so nothing to lock)."""

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


def create_statements() -> list[str]:
    statements = []
    for table, columns, day_rows, rating_rows in WATCHED:
        bodies = day_bodies(table, day_rows, rating_rows, "sqlite")
        for when in EVENTS:
            timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
            body = " ".join(f"{statement};" for statement in bodies[when])
            statements.append(
                f"CREATE TRIGGER metrics_day_{table}_{when} AFTER {timing} ON {table} "
                f"BEGIN {body} END"
            )
    setting = f"WHEN {{row}}.\"key\" = '{DEADLINE_SETTING}'"
    body = " ".join(f"{statement};" for statement in recount_on_time("sqlite"))
    for when, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        statements.append(
            f"CREATE TRIGGER metrics_day_program_setting_{when} AFTER {when.upper()} "
            f"ON program_setting {setting.format(row=row)} BEGIN {body} END"
        )
    for table, columns, column in SITE_WATCHED:
        bodies = site_bodies(table, column, "sqlite")
        for when in EVENTS:
            timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
            body = " ".join(f"{statement};" for statement in bodies[when])
            statements.append(
                f"CREATE TRIGGER metrics_site_{table}_{when} AFTER {timing} ON {table} "
                f"BEGIN {body} END"
            )
    window = ", ".join(f"'{key}'" for key in WINDOW_SETTINGS)
    body = " ".join(f"{statement};" for statement in refresh_all_sites("sqlite"))
    for when, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        statements.append(
            f"CREATE TRIGGER metrics_site_program_setting_{when} AFTER {when.upper()} "
            f'ON program_setting WHEN {row}."key" IN ({window}) BEGIN {body} END'
        )
    table, columns = ACTION_WATCHED
    bodies = action_bodies("sqlite")
    for when in EVENTS:
        timing = f"UPDATE OF {', '.join(columns)}" if when == "update" else when.upper()
        body = " ".join(f"{statement};" for statement in bodies[when])
        statements.append(
            f"CREATE TRIGGER metrics_action_time_{table}_{when} AFTER {timing} ON {table} "
            f"BEGIN {body} END"
        )
    return statements


def drop_statements() -> list[str]:
    tables = [watched[0] for watched in WATCHED] + ["program_setting"]
    sites = [watched[0] for watched in SITE_WATCHED] + ["program_setting"]
    return (
        [
            f"DROP TRIGGER IF EXISTS metrics_day_{table}_{when}"
            for table in tables
            for when in EVENTS
        ]
        + [
            f"DROP TRIGGER IF EXISTS metrics_site_{table}_{when}"
            for table in sites
            for when in EVENTS
        ]
        + [
            f"DROP TRIGGER IF EXISTS metrics_action_time_{ACTION_WATCHED[0]}_{when}"
            for when in EVENTS
        ]
    )
