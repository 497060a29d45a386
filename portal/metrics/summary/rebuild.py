"""Filling the summary tables from the base tables at once (``flask metrics rebuild``, the
large benchmark's loader): the same contributions the triggers add, for every record."""

from __future__ import annotations

from portal.metrics.summary.contributions import (
    ANSWER_MONTH,
    RATING,
    RATING_COLUMNS,
    add,
    add_action_times,
    add_answers,
    all_rating_rows,
    all_rows,
    answer_month_rows,
)
from portal.metrics.summary.eligible_sites import refresh_all_sites


def rebuild_statements(dialect: str) -> list[str]:
    """Empty the summary tables and fill them from the base tables (``flask metrics rebuild``)."""
    return [
        "DELETE FROM metrics_day",
        add(all_rows(dialect)),
        "DELETE FROM metrics_answer",
        add_answers("q", dialect, " FROM question q"),
        "DELETE FROM metrics_answer_month",
        add(
            answer_month_rows("q", dialect, " FROM question q"), ANSWER_MONTH.columns, ANSWER_MONTH
        ),
        "DELETE FROM metrics_rating",
        add(all_rating_rows(dialect), RATING_COLUMNS, RATING),
        *refresh_all_sites(dialect),
        "DELETE FROM metrics_action_time",
        add_action_times("qa", dialect, " FROM quality_action qa"),
    ]
