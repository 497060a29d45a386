"""What each record adds to the dashboard's summary rows, as SQL over a NEW or OLD row.

Each function answers the rows one record contributes (a question: its submission day,
its answer day, one more question at its held meeting); the triggers add a new record's
rows and take back an old record's, and the rebuild adds every record's at once.
"""

# S608: the statements are built from this package's constants (table and column names);
# nothing from a request reaches them.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import literal_column
from sqlalchemy.dialects import postgresql, sqlite

from portal.metrics import sql as _sql  # noqa: F401 - SQLite's functions, which the triggers call
from portal.metrics.sql import days_between, program_day, standard_question_deadline
from portal.program.settings import BY_KEY

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


def compiled(element, dialect: str) -> str:
    return str(element.compile(dialect=DIALECTS[dialect]))


def day_of(moment: str, dialect: str) -> str:
    return compiled(program_day(literal_column(moment)), dialect)


def setting_value(key: str) -> str:
    """The program setting's value, or its default where nobody has set it."""
    return (
        "COALESCE((SELECT CAST(value AS INTEGER) FROM program_setting "
        f"WHERE \"key\" = '{key}'), {BY_KEY[key].default})"
    )


def _deadline_days() -> str:
    return setting_value(DEADLINE_SETTING)


def _deadline(starts_at: str, timezone: str, dialect: str) -> str:
    element = standard_question_deadline(
        literal_column(starts_at), literal_column(timezone), literal_column(_deadline_days())
    )
    return compiled(element, dialect)


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
                day_of(f"{row}.submitted_at", dialect),
                {"questions_submitted": "1", "questions_on_time": on_time},
                counted,
            ),
            _row(
                day_of(f"{row}.responded_at", dialect),
                {"questions_answered": "1"},
                f"{counted} AND {row}.responded_at IS NOT NULL",
            ),
            _row(
                day_of("m.starts_at", dialect),
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
                day_of(f"{row}.starts_at", dialect),
                {
                    "meetings_held": "1",
                    "questions_at_held": f"(SELECT count(*) FROM question q WHERE {questions})",
                },
                f"{row}.status = 'held'",
            ),
            _row(
                day_of("q.submitted_at", dialect),
                {"questions_on_time": "1"},
                f"{questions} AND q.submitted_at <= "
                f"{_deadline(f'{row}.starts_at', f'{row}.timezone', dialect)}",
                " FROM question q",
            ),
            # Feedback counts in its meeting's period, held or not (``in_feedback_period``).
            _row(
                day_of(f"{row}.starts_at", dialect),
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
        day_of("m.starts_at", dialect),
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
        day_of("m.starts_at", dialect),
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
        day_of("m.starts_at", dialect),
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
                day_of("q.submitted_at", dialect),
                {
                    "questions_submitted": "1",
                    "questions_on_time": f"CASE WHEN q.submitted_at <= "
                    f"{_deadline('m.starts_at', 'm.timezone', dialect)} THEN 1 ELSE 0 END",
                },
                f"{counted} AND m.id = q.meeting_id",
                " FROM question q, meeting m",
            ),
            _row(
                day_of("q.responded_at", dialect),
                {"questions_answered": "1"},
                f"{counted} AND q.responded_at IS NOT NULL",
                " FROM question q",
            ),
            _row(
                day_of("m.starts_at", dialect),
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
        day_of("q.submitted_at", dialect),
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
ANSWER_MONTH = Target("metrics_answer_month", ("day", "bucket"), ("answers",))


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


def totals(rows: str) -> str:
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
        day_of("m.starts_at", dialect),
        row,
        "feedback_response r, meeting_survey s, meeting m",
        f"r.id = {row}.response_id AND s.id = r.survey_id AND m.id = s.meeting_id",
    )


def meeting_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        day_of(f"{row}.starts_at", dialect),
        "a",
        "feedback_answer a, feedback_response r, meeting_survey s",
        f"s.meeting_id = {row}.id AND r.survey_id = s.id AND a.response_id = r.id",
    )


def survey_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        day_of("m.starts_at", dialect),
        "a",
        "feedback_answer a, feedback_response r, meeting m",
        f"m.id = {row}.meeting_id AND r.survey_id = {row}.id AND a.response_id = r.id",
    )


def response_rating_rows(row: str, dialect: str) -> str:
    return _ratings(
        day_of("m.starts_at", dialect),
        "a",
        "feedback_answer a, meeting_survey s, meeting m",
        f"s.id = {row}.survey_id AND m.id = s.meeting_id AND a.response_id = {row}.id",
    )


def all_rating_rows(dialect: str) -> str:
    return _ratings(
        day_of("m.starts_at", dialect),
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
    days = compiled(
        days_between(literal_column(f"{row}.responded_at"), literal_column(f"{row}.submitted_at")),
        dialect,
    )
    return (
        f"INSERT INTO metrics_answer (question_id, day, days) "
        f"SELECT {row}.id, {day_of(f'{row}.responded_at', dialect)}, {days}{source} "
        f"WHERE {row}.withdrawn_at IS NULL AND {row}.responded_at IS NOT NULL"
    )


#: (step, the moment it was taken, the moment it is measured from) of ``metrics_action_time``.
ACTION_STEPS = (
    ("complete", "completed_at", "created_at"),
    ("verify", "verified_at", "completed_at"),
)


def add_action_times(row: str, dialect: str, source: str = "") -> str:
    """``metrics_action_time``'s rows for quality action ``row``: each step it has taken
    (a verification counts only after a completion, as ``measures.quality_improvement``)."""
    selects = []
    for step, moment, since in ACTION_STEPS:
        days = compiled(
            days_between(literal_column(f"{row}.{moment}"), literal_column(f"{row}.{since}")),
            dialect,
        )
        selects.append(
            f"SELECT {row}.id AS action_id, '{step}' AS step, "
            f"{day_of(f'{row}.{moment}', dialect)} AS day, {days} AS days{source} "
            f"WHERE {row}.{moment} IS NOT NULL AND {row}.{since} IS NOT NULL"
        )
    return (
        "INSERT INTO metrics_action_time (action_id, step, day, days) "
        f"SELECT action_id, step, day, days FROM ({' UNION ALL '.join(selects)}) AS steps "
        "ORDER BY action_id, step"
    )


def month_of(day: str, dialect: str) -> str:
    """The first day of ``day``'s month (``day`` is a program day)."""
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {day}) AS DATE)"
    return f"date({day}, 'start of month')"


def whole_days(days: str, dialect: str) -> str:
    """floor(``days``) as an integer; SQLite may lack floor(), and CAST truncates."""
    if dialect == "postgresql":
        return f"CAST(floor({days}) AS INTEGER)"
    return f"(CAST({days} AS INTEGER) - ({days} < CAST({days} AS INTEGER)))"


def answer_month_rows(row: str, dialect: str, source: str = "") -> str:
    """What question ``row`` adds to ``metrics_answer_month``: its answer, if answered."""
    days = compiled(
        days_between(literal_column(f"{row}.responded_at"), literal_column(f"{row}.submitted_at")),
        dialect,
    )
    return (
        f"SELECT {month_of(day_of(f'{row}.responded_at', dialect), dialect)} AS day, "
        f"{whole_days(days, dialect)} AS bucket, 1 AS answers{source} "
        f"WHERE {row}.withdrawn_at IS NULL AND {row}.responded_at IS NOT NULL"
    )
