"""Eligibility of a site (SPEC 2) as SQL, for the funnel and the sites export.

The sites domain owns eligibility (portal/sites/eligibility.py). Until its SQL
selector is committed, this module states the same rule with the same names, so
switching is a change of import: (a) a shortage-vulnerable product that is not
archived, (b) an inspection ending inside the program's inspection window (a
program setting), (c) no open regulatory action; FDA's override wins; archived
sites are never eligible.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, not_, or_

from portal.program.settings import get_setting
from portal.sites.models import Inspection, Product, RegulatoryAction, Site
from portal.timeutil import fiscal_year_bounds


def inspection_window() -> tuple[date, date]:
    """First and last day of the inspection window (FY17-FY18 by default)."""
    first, _ = fiscal_year_bounds(get_setting("inspection_window_start_fy"))
    _, last = fiscal_year_bounds(get_setting("inspection_window_end_fy"))
    return first, last


def has_vulnerable_product_clause() -> ColumnElement[bool]:
    return exists().where(
        Product.site_id == Site.id,
        Product.shortage_vulnerable.is_(True),
        Product.archived_at.is_(None),
    )


def inspected_in_window_clause(window: tuple[date, date]) -> ColumnElement[bool]:
    first, last = window
    return exists().where(
        Inspection.site_id == Site.id, Inspection.end_date >= first, Inspection.end_date <= last
    )


def has_open_action_clause() -> ColumnElement[bool]:
    return exists().where(RegulatoryAction.site_id == Site.id, RegulatoryAction.closed_on.is_(None))


def computed_eligibility_clause(window: tuple[date, date]) -> ColumnElement[bool]:
    return and_(
        has_vulnerable_product_clause(),
        inspected_in_window_clause(window),
        not_(has_open_action_clause()),
    )


def eligibility_clause(window: tuple[date, date] | None = None) -> ColumnElement[bool]:
    """The verdict FDA acts on: not archived, and the override if any, else the computed one."""
    window = window or inspection_window()
    return and_(
        Site.archived_at.is_(None),
        or_(
            Site.eligibility_override.is_(True),
            and_(Site.eligibility_override.is_(None), computed_eligibility_clause(window)),
        ),
    )
