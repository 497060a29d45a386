"""The dashboard's statements are built once per process and run with each period's values
(issue 15): a miss pays for running them only, and no period's values stick to the next."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.metrics import measures
from portal.metrics.measures import compute
from portal.metrics.period import Period
from portal.metrics.summary import readers
from portal.quality.models import OPEN_STATUSES, QualityAction
from tests.factories_metrics import EXPECTED, NOW


def _counts(figures) -> dict:
    """The hand-counted integers of a period (the means and medians are compared elsewhere)."""
    participation = dataclasses.asdict(figures.participation)
    engagement = dataclasses.asdict(figures.engagement)
    engagement.pop("median_days_to_answer")
    return {**participation, **engagement}


def _expected(year: int) -> dict:
    engagement = dict(EXPECTED[year]["engagement"])
    engagement.pop("median_days_to_answer")
    return {**EXPECTED[year]["participation"], **engagement}


def test_the_statements_are_built_once_for_every_period(history):
    measures._statements.cache_clear()
    readers._answer_median_statements.cache_clear()
    for year in (2025, 2024, 2025, 2024):
        figures = compute(Period.for_fiscal_year(year))
        assert _counts(figures) == _expected(year)
        assert figures.engagement.median_days_to_answer == pytest.approx(
            EXPECTED[year]["engagement"]["median_days_to_answer"], abs=1e-6
        )
    compute(Period(date(2024, 9, 30), date(2024, 10, 1)))
    assert measures._statements.cache_info().misses == 1
    assert readers._answer_median_statements.cache_info().misses == 1


def test_a_shorter_period_after_a_longer_one_counts_only_its_own_records(history):
    """The bounds are parameters: the range of a period computed earlier does not stay."""
    compute(Period(date(2019, 10, 1), date(2026, 9, 30)))
    october_first = compute(Period(date(2024, 10, 1), date(2024, 10, 1)))
    assert october_first.participation.contacted == 1
    assert october_first.engagement.meetings_held == 0
    assert october_first.quality.verified == 0 and october_first.quality.opened == 1


def test_overdue_is_counted_as_of_the_day_the_figures_are_computed(history, time_machine):
    """Today is a parameter too: an action whose target date passes becomes overdue."""
    period = Period.for_fiscal_year(2025)
    before = compute(period).quality.overdue
    open_actions = db.session.scalars(
        select(QualityAction).where(QualityAction.status.in_(OPEN_STATUSES))
    ).all()
    later = max(a.target_date for a in open_actions if a.target_date is not None)
    time_machine.move_to(NOW.replace(year=later.year + 1), tick=False)
    after = compute(period).quality.overdue
    assert after == sum(1 for a in open_actions if a.target_date is not None)
    assert after > before
