"""Federal fiscal years at their edges, and the inspection window built from them (SPEC 2)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.program.settings import update_settings
from portal.sites.eligibility import (
    InspectionWindow,
    assess,
    eligible_site_ids_subquery,
    inspection_window,
)
from portal.sites.models import Site
from portal.timeutil import fiscal_year, fiscal_year_bounds
from tests import factories


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2016, 9, 30), 2016),
        (date(2016, 10, 1), 2017),
        (date(2017, 1, 1), 2017),
        (date(2017, 9, 30), 2017),
        (date(2017, 10, 1), 2018),
        (date(2018, 9, 30), 2018),
        (date(2018, 10, 1), 2019),
        (date(2019, 12, 31), 2020),
    ],
)
def test_fiscal_year_turns_over_on_1_october(day, year):
    assert fiscal_year(day) == year


def test_fiscal_year_bounds_run_from_1_october_to_30_september():
    assert fiscal_year_bounds(2017) == (date(2016, 10, 1), date(2017, 9, 30))
    assert fiscal_year_bounds(2018) == (date(2017, 10, 1), date(2018, 9, 30))
    first, last = fiscal_year_bounds(2024)  # a leap year changes nothing at the edges
    assert (first, last) == (date(2023, 10, 1), date(2024, 9, 30))


def test_default_window_is_fy2017_to_fy2018(app):
    window = inspection_window()
    assert (window.start_fy, window.end_fy) == (2017, 2018)
    assert (window.first_day, window.last_day) == (date(2016, 10, 1), date(2018, 9, 30))
    assert window.label == "FY2017–FY2018 (1 Oct 2016 to 30 Sep 2018)"


@pytest.mark.parametrize(
    ("end_date", "inside"),
    [
        (date(2016, 9, 30), False),  # last day of FY2016
        (date(2016, 10, 1), True),  # first day of FY2017
        (date(2018, 9, 30), True),  # last day of FY2018
        (date(2018, 10, 1), False),  # first day of FY2019
    ],
)
def test_window_edges_in_python_and_in_sql(app, end_date, inside):
    site = factories.site()
    factories.product(site, shortage_vulnerable=True)
    factories.inspection(site, end_date=end_date)
    db.session.commit()
    criterion = assess(site).criteria[1]
    assert criterion.passed is inside
    assert f"FY{fiscal_year(end_date)}" in " ".join(criterion.evidence)
    eligible = set(db.session.scalars(eligible_site_ids_subquery()))
    assert (site.id in eligible) is inside


def test_the_window_is_a_program_setting(app, fda_admin):
    site = factories.site()
    factories.product(site, shortage_vulnerable=True)
    factories.inspection(site, end_date=date(2018, 10, 1))  # FY2019
    db.session.commit()
    assert not assess(site).eligible

    update_settings(
        {"inspection_window_start_fy": 2019, "inspection_window_end_fy": 2020}, by_user=fda_admin
    )
    db.session.commit()
    assert inspection_window() == InspectionWindow(2019, 2020)
    assert assess(site).eligible
    stmt = select(Site.id).where(Site.id.in_(eligible_site_ids_subquery()))
    assert db.session.scalars(stmt).all() == [site.id]


def test_a_one_year_window_is_labelled_as_one_year():
    assert InspectionWindow(2018, 2018).label == "FY2018 (1 Oct 2017 to 30 Sep 2018)"
