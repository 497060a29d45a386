"""The triggers that keep ``metrics_day`` current, in the transaction of each change.

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
"""

# S608: the statements are built from this module's constants (table and column names);
# nothing from a request reaches them.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DDL, case, event, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.metrics import sql as _sql  # noqa: F401 - SQLite's functions, which the triggers call
from portal.metrics.sql import days_between, program_day, standard_question_deadline
from portal.program.settings import BY_KEY
from portal.sites.eligibility import eligibility_clause
from portal.sites.models import Site

COLUMNS = (
    "meetings_held",
    "questions_at_held",
    "questions_submitted",
    "questions_on_time",
    "questions_answered",
    "surveys",
    "survey_responses",
    "people_asked",
)
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}
DEADLINE_SETTING = "question_deadline_days"
WINDOW_SETTINGS = ("inspection_window_start_fy", "inspection_window_end_fy")


def _compiled(element, dialect: str) -> str:
    return str(element.compile(dialect=DIALECTS[dialect]))


def _day(moment: str, dialect: str) -> str:
    return _compiled(program_day(literal_column(moment)), dialect)


def _setting(key: str) -> str:
    """The program setting's value, or its default where nobody has set it."""
    return (
        "COALESCE((SELECT CAST(value AS INTEGER) FROM program_setting "
        f"WHERE \"key\" = '{key}'), {BY_KEY[key].default})"
    )


def _deadline_days() -> str:
    return _setting(DEADLINE_SETTING)


def _deadline(starts_at: str, timezone: str, dialect: str) -> str:
    element = standard_question_deadline(
        literal_column(starts_at), literal_column(timezone), literal_column(_deadline_days())
    )
    return _compiled(element, dialect)


def _row(day: str, values: dict[str, str], where: str, source: str = "") -> str:
    columns = ", ".join(f"{values.get(c, '0')} AS {c}" for c in COLUMNS)
    return f"SELECT {day} AS day, {columns}{source} WHERE {where}"


def question_rows(row: str, dialect: str) -> str:
    """What question ``row`` (NEW or OLD) adds to the days: submitted (and on time),
    answered, and one more question at its meeting if the meeting was held."""
    counted = f"{row}.withdrawn_at IS NULL"
    on_time = (
        f"COALESCE((SELECT CASE WHEN {row}.submitted_at <= "
        f"{_deadline('m.starts_at', 'm.timezone', dialect)} THEN 1 ELSE 0 END "
        f"FROM meeting m WHERE m.id = {row}.meeting_id), 0)"
    )
    return " UNION ALL ".join(
        (
            _row(
                _day(f"{row}.submitted_at", dialect),
                {"questions_submitted": "1", "questions_on_time": on_time},
                counted,
            ),
            _row(
                _day(f"{row}.responded_at", dialect),
                {"questions_answered": "1"},
                f"{counted} AND {row}.responded_at IS NOT NULL",
            ),
            _row(
                _day("m.starts_at", dialect),
                {"questions_at_held": "1"},
                f"{counted} AND m.id = {row}.meeting_id AND m.status = 'held'",
                " FROM meeting m",
            ),
        )
    )


def meeting_rows(row: str, dialect: str) -> str:
    """What meeting ``row`` adds: itself and its questions if held, and its questions'
    on-time counts (its start and zone set their deadline)."""
    questions = f"q.meeting_id = {row}.id AND q.withdrawn_at IS NULL"
    return " UNION ALL ".join(
        (
            _row(
                _day(f"{row}.starts_at", dialect),
                {
                    "meetings_held": "1",
                    "questions_at_held": f"(SELECT count(*) FROM question q WHERE {questions})",
                },
                f"{row}.status = 'held'",
            ),
            _row(
                _day("q.submitted_at", dialect),
                {"questions_on_time": "1"},
                f"{questions} AND q.submitted_at <= "
                f"{_deadline(f'{row}.starts_at', f'{row}.timezone', dialect)}",
                " FROM question q",
            ),
            # Feedback counts in its meeting's period, held or not (``in_feedback_period``).
            _row(
                _day(f"{row}.starts_at", dialect),
                {
                    "surveys": "(SELECT count(*) FROM meeting_survey s "
                    f"WHERE s.meeting_id = {row}.id)",
                    "survey_responses": "(SELECT count(*) FROM feedback_response r, "
                    f"meeting_survey s WHERE r.survey_id = s.id AND s.meeting_id = {row}.id)",
                    "people_asked": f"(SELECT coalesce(sum({_asked('s')}), 0) "
                    f"FROM meeting_survey s WHERE s.meeting_id = {row}.id)",
                },
                f"{row}.id IS NOT NULL",
            ),
        )
    )


def _asked(survey: str) -> str:
    """People asked to answer ``survey`` (``measures.asked_for_feedback``): the firm's active
    users, and its other users who answered it."""
    return (
        f"(SELECT count(*) FROM user_account u WHERE u.firm_id = {survey}.firm_id AND "
        f"(u.status = 'active' OR EXISTS (SELECT 1 FROM feedback_response r "
        f"WHERE r.survey_id = {survey}.id AND r.user_id = u.id)))"
    )


def survey_rows(row: str, dialect: str) -> str:
    """What survey ``row`` adds on its meeting's day: itself, its responses, the people asked."""
    return _row(
        _day("m.starts_at", dialect),
        {
            "surveys": "1",
            "survey_responses": "(SELECT count(*) FROM feedback_response r "
            f"WHERE r.survey_id = {row}.id)",
            "people_asked": _asked(row),
        },
        f"m.id = {row}.meeting_id",
        " FROM meeting m",
    )


def response_rows(row: str, dialect: str) -> str:
    """A response adds itself, and one person asked if its author is of the survey's firm
    but not one of its active users (those are counted already)."""
    return _row(
        _day("m.starts_at", dialect),
        {
            "survey_responses": "1",
            "people_asked": f"(SELECT count(*) FROM user_account u WHERE u.id = {row}.user_id "
            "AND u.firm_id = s.firm_id AND u.status <> 'active')",
        },
        f"s.id = {row}.survey_id AND m.id = s.meeting_id",
        " FROM meeting_survey s, meeting m",
    )


def user_rows(row: str, dialect: str) -> str:
    """A person counts as asked for each survey of their firm they are active for or answered."""
    return _row(
        _day("m.starts_at", dialect),
        {"people_asked": "1"},
        f"s.firm_id = {row}.firm_id AND m.id = s.meeting_id AND ({row}.status = 'active' OR "
        "EXISTS (SELECT 1 FROM feedback_response r "
        f"WHERE r.survey_id = s.id AND r.user_id = {row}.id))",
        " FROM meeting_survey s, meeting m",
    )


def all_rows(dialect: str) -> str:
    """Every record's contribution: the whole table from the base tables (rebuild)."""
    counted = "q.withdrawn_at IS NULL"
    return " UNION ALL ".join(
        (
            _row(
                _day("q.submitted_at", dialect),
                {
                    "questions_submitted": "1",
                    "questions_on_time": f"CASE WHEN q.submitted_at <= "
                    f"{_deadline('m.starts_at', 'm.timezone', dialect)} THEN 1 ELSE 0 END",
                },
                f"{counted} AND m.id = q.meeting_id",
                " FROM question q, meeting m",
            ),
            _row(
                _day("q.responded_at", dialect),
                {"questions_answered": "1"},
                f"{counted} AND q.responded_at IS NOT NULL",
                " FROM question q",
            ),
            _row(
                _day("m.starts_at", dialect),
                {
                    "meetings_held": "1",
                    "questions_at_held": "(SELECT count(*) FROM question q "
                    f"WHERE q.meeting_id = m.id AND {counted})",
                },
                "m.status = 'held'",
                " FROM meeting m",
            ),
            survey_rows("s", dialect).replace(
                " FROM meeting m", " FROM meeting_survey s, meeting m"
            ),
        )
    )


def on_time_rows(dialect: str) -> str:
    return _row(
        _day("q.submitted_at", dialect),
        {"questions_on_time": "1"},
        f"q.withdrawn_at IS NULL AND m.id = q.meeting_id AND q.submitted_at <= "
        f"{_deadline('m.starts_at', 'm.timezone', dialect)}",
        " FROM question q, meeting m",
    )


RATING_COLUMNS = ("answers", "rating_sum", *(f"rated_{n}" for n in range(1, 6)))


@dataclass(frozen=True)
class Target:
    """A summary table: the key its rows are kept by, and the counts they add up."""

    table: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]


DAY = Target("metrics_day", ("day",), COLUMNS)
RATING = Target("metrics_rating", ("day", "question_id"), RATING_COLUMNS)


def add(rows: str, columns: tuple[str, ...] = COLUMNS, target: Target = DAY) -> str:
    """Add ``rows`` (keys, then every column of ``target``) to ``target``'s counts, or only
    to ``columns``; a new key gets a row. In key order, so writers lock rows in one order."""
    keys = ", ".join(target.keys)
    names = ", ".join(target.columns)
    sums = ", ".join(f"sum({c})" if c in columns else "0" for c in target.columns)
    increments = ", ".join(f"{c} = {target.table}.{c} + excluded.{c}" for c in columns)
    return (
        f"INSERT INTO {target.table} ({keys}, {names}) SELECT {keys}, {sums} "
        f"FROM ({rows}) AS contribution WHERE day IS NOT NULL GROUP BY {keys} ORDER BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {increments}"
    )


def take_back(rows: str, target: Target = DAY) -> str:
    """Take ``rows`` back from ``target``'s counts: only rows that exist (a counted row has one)."""
    keys = ", ".join(target.keys)
    sums = ", ".join(f"sum({c}) AS {c}" for c in target.columns)
    decrements = ", ".join(f"{c} = {target.table}.{c} - taken.{c}" for c in target.columns)
    match = " AND ".join(f"{target.table}.{k} = taken.{k}" for k in target.keys)
    return (
        f"UPDATE {target.table} SET {decrements} FROM (SELECT {keys}, {sums} FROM ({rows}) "
        f"AS contribution WHERE day IS NOT NULL GROUP BY {keys}) AS taken WHERE {match}"
    )


def _totals(rows: str) -> str:
    sums = ", ".join(f"sum({c}) AS {c}" for c in COLUMNS)
    return f"SELECT day, {sums} FROM ({rows}) AS contribution WHERE day IS NOT NULL GROUP BY day"


# --- ratings: per meeting day and rating question -------------------------------------------


def _ratings(day: str, answer: str, source: str, where: str) -> str:
    """One row per rating answer ``answer`` (not blank, of a rating question)."""
    rated = ", ".join(
        f"CASE WHEN {answer}.rating = {n} THEN 1 ELSE 0 END AS rated_{n}" for n in range(1, 6)
    )
    return (
        f"SELECT {day} AS day, {answer}.question_id AS question_id, 1 AS answers, "
        f"{answer}.rating AS rating_sum, {rated} FROM {source}, survey_question q "
        f"WHERE {where} AND q.id = {answer}.question_id AND q.kind = 'rating' "
        f"AND {answer}.rating IS NOT NULL"
    )


def answer_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        _day("m.starts_at", dialect),
        row,
        "feedback_response r, meeting_survey s, meeting m",
        f"r.id = {row}.response_id AND s.id = r.survey_id AND m.id = s.meeting_id",
    )


def meeting_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        _day(f"{row}.starts_at", dialect),
        "a",
        "feedback_answer a, feedback_response r, meeting_survey s",
        f"s.meeting_id = {row}.id AND r.survey_id = s.id AND a.response_id = r.id",
    )


def survey_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        _day("m.starts_at", dialect),
        "a",
        "feedback_answer a, feedback_response r, meeting m",
        f"m.id = {row}.meeting_id AND r.survey_id = {row}.id AND a.response_id = r.id",
    )


def response_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        _day("m.starts_at", dialect),
        "a",
        "feedback_answer a, meeting_survey s, meeting m",
        f"s.id = {row}.survey_id AND m.id = s.meeting_id AND a.response_id = {row}.id",
    )


def all_rating_rows(dialect: str) -> str:
    return _ratings(
        _day("m.starts_at", dialect),
        "a",
        "feedback_answer a, feedback_response r, meeting_survey s, meeting m",
        "r.id = a.response_id AND s.id = r.survey_id AND m.id = s.meeting_id",
    )


def recount_on_time(dialect: str) -> list[str]:
    return [
        "UPDATE metrics_day SET questions_on_time = 0",
        add(on_time_rows(dialect), ("questions_on_time",)),
    ]


def add_answers(row: str, dialect: str, source: str = "") -> str:
    """``metrics_answer``'s row for question ``row`` if it was answered (and not withdrawn)."""
    days = _compiled(
        days_between(literal_column(f"{row}.responded_at"), literal_column(f"{row}.submitted_at")),
        dialect,
    )
    return (
        f"INSERT INTO metrics_answer (question_id, day, days) "
        f"SELECT {row}.id, {_day(f'{row}.responded_at', dialect)}, {days}{source} "
        f"WHERE {row}.withdrawn_at IS NULL AND {row}.responded_at IS NOT NULL"
    )


def rebuild_statements(dialect: str) -> list[str]:
    """Empty the summary tables and fill them from the base tables (``flask metrics rebuild``)."""
    return [
        "DELETE FROM metrics_day",
        add(all_rows(dialect)),
        "DELETE FROM metrics_answer",
        add_answers("q", dialect, " FROM question q"),
        "DELETE FROM metrics_rating",
        add(all_rating_rows(dialect), RATING_COLUMNS, RATING),
        *refresh_all_sites(dialect),
    ]


# --- eligible sites ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _SettingWindow:
    """The inspection window as SQL read from the settings (``sites.eligibility``'s window)."""

    first_day: object
    last_day: object


def _window(dialect: str) -> _SettingWindow:
    start, end = (_setting(key) for key in WINDOW_SETTINGS)
    if dialect == "postgresql":
        days = (f"make_date({start} - 1, 10, 1)", f"make_date({end}, 9, 30)")
    else:
        days = (f"printf('%04d-10-01', {start} - 1)", f"printf('%04d-09-30', {end})")
    return _SettingWindow(*(literal_column(day) for day in days))


def refresh_sites(ids: str, dialect: str) -> str:
    """Set ``metrics_site.eligible`` of the sites ``ids`` selects by ``sites.eligibility``'s
    own clause (compiled, not copied): a verdict is recomputed whole, never adjusted."""
    verdict = select(Site.id, case((eligibility_clause(_window(dialect)), 1), else_=0)).where(
        text(f"site.id IN {ids}")
    )
    compiled = verdict.compile(dialect=DIALECTS[dialect], compile_kwargs={"literal_binds": True})
    return (
        f"INSERT INTO metrics_site (site_id, eligible) {compiled} ORDER BY 1 "
        "ON CONFLICT (site_id) DO UPDATE SET eligible = excluded.eligible"
    )


#: (table, the columns whose change can move a verdict, the column naming the site)
SITE_WATCHED = (
    ("site", ("archived_at", "eligibility_override"), "id"),
    ("product", ("site_id", "shortage_vulnerable", "archived_at"), "site_id"),
    ("inspection", ("site_id", "end_date"), "site_id"),
    ("regulatory_action", ("site_id", "closed_on"), "site_id"),
)


def _site_bodies(table: str, column: str, dialect: str) -> dict[str, list[str]]:
    ids = {"insert": f"NEW.{column}", "update": f"OLD.{column}, NEW.{column}"}
    ids["delete"] = f"OLD.{column}"
    bodies = {when: [refresh_sites(f"({ids[when]})", dialect)] for when in EVENTS}
    if table == "site":
        bodies["delete"] = ["DELETE FROM metrics_site WHERE site_id = OLD.id"]
    return bodies


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


def refresh_all_sites(dialect: str) -> list[str]:
    return ["DELETE FROM metrics_site", refresh_sites("(SELECT id FROM site)", dialect)]


# --- the triggers ---------------------------------------------------------------------------

#: (table, the columns whose change moves a figure, the rows a NEW or OLD record adds to
#: metrics_day, and to metrics_rating)
WATCHED = (
    (
        "question",
        ("submitted_at", "withdrawn_at", "responded_at", "meeting_id"),
        question_rows,
        None,
    ),
    ("meeting", ("status", "starts_at", "timezone"), meeting_rows, meeting_rating_rows),
    ("meeting_survey", ("meeting_id", "firm_id"), survey_rows, survey_rating_rows),
    ("feedback_response", ("survey_id", "user_id"), response_rows, response_rating_rows),
    ("user_account", ("status", "firm_id"), user_rows, None),
    ("feedback_answer", ("rating", "question_id", "response_id"), None, answer_rating_rows),
)
EVENTS = ("insert", "update", "delete")


def _bodies(table: str, day_rows, rating_rows, dialect: str) -> dict[str, list[str]]:
    bodies: dict[str, list[str]] = {when: [] for when in EVENTS}
    for target, rows in ((DAY, day_rows), (RATING, rating_rows)):
        if rows is None:
            continue
        old, new = rows("OLD", dialect), rows("NEW", dialect)
        bodies["insert"].append(add(new, target.columns, target))
        bodies["update"] += [take_back(old, target), add(new, target.columns, target)]
        bodies["delete"].append(take_back(old, target))
    if table == "question":
        forget = "DELETE FROM metrics_answer WHERE question_id = OLD.id"
        bodies["insert"].append(add_answers("NEW", dialect))
        bodies["update"] += [forget, add_answers("NEW", dialect)]
        bodies["delete"].append(forget)
    return bodies


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


def _sqlite_create() -> list[str]:
    statements = []
    for table, columns, day_rows, rating_rows in WATCHED:
        bodies = _bodies(table, day_rows, rating_rows, "sqlite")
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
        bodies = _site_bodies(table, column, "sqlite")
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
    return statements


def _sqlite_drop() -> list[str]:
    tables = [watched[0] for watched in WATCHED] + ["program_setting"]
    sites = [watched[0] for watched in SITE_WATCHED] + ["program_setting"]
    return [
        f"DROP TRIGGER IF EXISTS metrics_day_{table}_{when}" for table in tables for when in EVENTS
    ] + [
        f"DROP TRIGGER IF EXISTS metrics_site_{table}_{when}" for table in sites for when in EVENTS
    ]


def _plpgsql(name: str, statements: list[str]) -> str:
    body = "".join(f"    {statement};\n" for statement in statements)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n{body}"
        "    RETURN NULL;\nEND $$ LANGUAGE plpgsql"
    )


def _postgresql_create() -> list[str]:
    statements = []
    for table, columns, day_rows, rating_rows in WATCHED:
        bodies = _bodies(table, day_rows, rating_rows, "postgresql")
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
        bodies = _site_bodies(table, column, "postgresql")
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
    return statements


def _postgresql_drop() -> list[str]:
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
    return statements + [f"DROP FUNCTION IF EXISTS {name}()" for name in names]


CREATE = {"sqlite": _sqlite_create, "postgresql": _postgresql_create}
DROP = {"sqlite": _sqlite_drop, "postgresql": _postgresql_drop}


def _install(target, connection, **_kw) -> None:
    summaries = {"metrics_day", "metrics_answer", "metrics_rating", "metrics_site"}
    needed = summaries | {"program_setting"} | {w[0] for w in (*WATCHED, *SITE_WATCHED)}
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
