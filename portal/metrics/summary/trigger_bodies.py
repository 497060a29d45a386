"""What each trigger does, whichever database runs it: the tables watched, and the
statements a row's insert, update or delete runs (each dialect wraps them its own way)."""

from __future__ import annotations

from portal.metrics.summary.contributions import (
    ANSWER_MONTH,
    DAY,
    RATING,
    add,
    add_action_times,
    add_answers,
    answer_month_rows,
    answer_rating_rows,
    meeting_rating_rows,
    meeting_rows,
    question_rows,
    response_rating_rows,
    response_rows,
    survey_rating_rows,
    survey_rows,
    take_back,
    user_rows,
)
from portal.metrics.summary.eligible_sites import refresh_sites

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


def day_bodies(table: str, day_rows, rating_rows, dialect: str) -> dict[str, list[str]]:
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
        old, new = answer_month_rows("OLD", dialect), answer_month_rows("NEW", dialect)
        bodies["insert"].append(add(new, ANSWER_MONTH.columns, ANSWER_MONTH))
        bodies["update"] += [
            take_back(old, ANSWER_MONTH),
            add(new, ANSWER_MONTH.columns, ANSWER_MONTH),
        ]
        bodies["delete"].append(take_back(old, ANSWER_MONTH))
    return bodies


def site_bodies(table: str, column: str, dialect: str) -> dict[str, list[str]]:
    ids = {"insert": f"NEW.{column}", "update": f"OLD.{column}, NEW.{column}"}
    ids["delete"] = f"OLD.{column}"
    bodies = {when: [refresh_sites(f"({ids[when]})", dialect)] for when in EVENTS}
    if table == "site":
        bodies["delete"] = ["DELETE FROM metrics_site WHERE site_id = OLD.id"]
    return bodies


#: (table, the columns whose change moves an action's times to complete and to verify)
ACTION_WATCHED = ("quality_action", ("created_at", "completed_at", "verified_at"))


def action_bodies(dialect: str) -> dict[str, list[str]]:
    """An action's rows in ``metrics_action_time`` are its own: replaced whole on a change."""
    forget = "DELETE FROM metrics_action_time WHERE action_id = OLD.id"
    return {
        "insert": [add_action_times("NEW", dialect)],
        "update": [forget, add_action_times("NEW", dialect)],
        "delete": [forget],
    }
