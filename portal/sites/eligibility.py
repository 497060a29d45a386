"""Whether a site qualifies for the program (SPEC 2), with the evidence for each criterion.

A site is eligible when all three hold:

(a) it makes at least one shortage-vulnerable finished drug product (not archived);
(b) an inspection of it ended inside the program's inspection window, the fiscal
    years set by ``inspection_window_start_fy`` .. ``inspection_window_end_fy``
    (default FY2017-FY2018 = 2016-10-01 .. 2018-09-30);
(c) it has no open adverse regulatory action (every recorded action is adverse;
    it stays open until FDA records it closed).

FDA staff may override the computed verdict with a written reason; the override
wins until it is cleared. Archived sites are never eligible.

Two ways in, which must agree:

* :func:`assess` explains one site from its loaded relationships (the site page);
* :func:`eligibility_clause` / :func:`eligible_site_ids_subquery` say the same in
  SQL, for lists, the work list and the metrics, in a fixed number of queries::

      from portal.sites.eligibility import eligible_site_ids_subquery
      stmt = select(Site).where(Site.id.in_(eligible_site_ids_subquery()))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, exists, not_, or_, select

from portal.audit import services as audit
from portal.program.settings import get_setting
from portal.sanitize import formatted_words
from portal.sites.models import Inspection, Product, RegulatoryAction, Site
from portal.sites.review_services import age_in_words
from portal.timeutil import fiscal_year, fiscal_year_bounds, format_date, utcnow

OVERRIDE_REASON_MAX = 2000


class EligibilityError(ValueError):
    """A refused override, with the message for the person."""


@dataclass(frozen=True)
class InspectionWindow:
    start_fy: int
    end_fy: int

    @property
    def first_day(self) -> date:
        return fiscal_year_bounds(self.start_fy)[0]

    @property
    def last_day(self) -> date:
        return fiscal_year_bounds(self.end_fy)[1]

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def label(self) -> str:
        years = (
            f"FY{self.start_fy}"
            if self.start_fy == self.end_fy
            else f"FY{self.start_fy}–FY{self.end_fy}"
        )
        return f"{years} ({format_date(self.first_day)} to {format_date(self.last_day)})"


def inspection_window() -> InspectionWindow:
    """The window from the program settings (fda_admin changes it without a release)."""
    return InspectionWindow(
        get_setting("inspection_window_start_fy"), get_setting("inspection_window_end_fy")
    )


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    passed: bool
    #: Plain sentences naming the records the verdict rests on.
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    criteria: tuple[Criterion, ...]
    #: All three criteria hold.
    computed: bool
    #: FDA's override (True/False) or None.
    override: bool | None
    override_reason: str
    override_by_name: str
    override_at: datetime | None
    archived: bool
    window: InspectionWindow

    @property
    def eligible(self) -> bool:
        if self.archived:
            return False
        return self.computed if self.override is None else self.override

    @property
    def overridden(self) -> bool:
        return self.override is not None


def _product_criterion(site: Site) -> Criterion:
    vulnerable = [p for p in site.products if p.shortage_vulnerable and p.archived_at is None]
    if vulnerable:
        evidence = tuple(
            f"{p.name}: shortage-vulnerable"
            + (f" ({p.vulnerability_source_label})" if p.vulnerability_source else "")
            + (f". {formatted_words(p.vulnerability_note)}" if p.vulnerability_note else "")
            for p in vulnerable
        )
    else:
        count = sum(1 for p in site.products if p.archived_at is None)
        evidence = (
            f"None of the site's {count} product{'s' if count != 1 else ''} is flagged "
            "shortage-vulnerable."
            if count
            else "No finished drug products are recorded for this site.",
        )
    return Criterion(
        "shortage_vulnerable_product",
        "Makes at least one shortage-vulnerable finished drug product",
        bool(vulnerable),
        evidence,
    )


def _inspection_criterion(site: Site, window: InspectionWindow) -> Criterion:
    inside = [i for i in site.inspections if window.contains(i.end_date)]

    def describe(inspection: Inspection) -> str:
        return (
            f"Inspection {inspection.fda_inspection_id} ended {format_date(inspection.end_date)} "
            f"(FY{fiscal_year(inspection.end_date)}), classified {inspection.classification.value}"
        )

    if inside:
        evidence = tuple(describe(i) + ": inside the window." for i in inside)
    elif site.inspections:
        latest = max(site.inspections, key=lambda i: i.end_date)
        evidence = (f"No inspection ended inside {window.label}. The latest: {describe(latest)}.",)
    else:
        evidence = ("No inspections are recorded for this site.",)
    return Criterion(
        "inspection_in_window",
        f"Had an inspection that ended in {window.label}",
        bool(inside),
        evidence,
    )


def _action_criterion(site: Site, today: date) -> Criterion:
    open_actions = [a for a in site.regulatory_actions if a.is_open]
    if open_actions:
        # The age is shown because an action nobody closed stays open forever (SPEC 2);
        # a 15-year-old warning letter is a reason to look, not a verdict.
        evidence = tuple(
            f"{a.action_type} of {format_date(a.action_date)}"
            + (f" (case {a.case_id})" if a.case_id else "")
            + f", {age_in_words(a.action_date, today)}, is open."
            for a in open_actions
        )
    else:
        closed = len(site.regulatory_actions)
        evidence = (
            f"All {closed} recorded regulatory action{'s are' if closed != 1 else ' is'} closed."
            if closed
            else "No regulatory actions are recorded for this site.",
        )
    return Criterion(
        "no_open_regulatory_action",
        "Has no open adverse regulatory action",
        not open_actions,
        evidence,
    )


def assess(
    site: Site, window: InspectionWindow | None = None, *, today: date | None = None
) -> Assessment:
    """Each criterion with its evidence, and the verdict.

    Reads ``site.products``, ``.inspections``, ``.regulatory_actions`` and
    ``.override_by``: eager-load them (see ``SITE_PAGE_OPTIONS``) to keep the
    page's query count fixed.
    """
    window = window or inspection_window()
    criteria = (
        _product_criterion(site),
        _inspection_criterion(site, window),
        _action_criterion(site, today or utcnow().date()),
    )
    return Assessment(
        criteria=criteria,
        computed=all(c.passed for c in criteria),
        override=site.eligibility_override,
        override_reason=site.override_reason,
        override_by_name=site.override_by.display_name if site.override_by else "",
        override_at=site.override_at,
        archived=site.archived_at is not None,
        window=window,
    )


# --- the same rule in SQL ----------------------------------------------------------------------


def has_vulnerable_product_clause() -> ColumnElement[bool]:
    return exists().where(
        Product.site_id == Site.id,
        Product.shortage_vulnerable.is_(True),
        Product.archived_at.is_(None),
    )


def inspected_in_window_clause(window: InspectionWindow) -> ColumnElement[bool]:
    return exists().where(
        Inspection.site_id == Site.id,
        Inspection.end_date >= window.first_day,
        Inspection.end_date <= window.last_day,
    )


def has_open_action_clause() -> ColumnElement[bool]:
    return exists().where(RegulatoryAction.site_id == Site.id, RegulatoryAction.closed_on.is_(None))


def computed_eligibility_clause(window: InspectionWindow | None = None) -> ColumnElement[bool]:
    """Criteria (a), (b) and (c), correlated to ``Site``; ignores overrides."""
    window = window or inspection_window()
    return and_(
        has_vulnerable_product_clause(),
        inspected_in_window_clause(window),
        not_(has_open_action_clause()),
    )


def eligibility_clause(window: InspectionWindow | None = None) -> ColumnElement[bool]:
    """The verdict FDA acts on: the override if there is one, else the computed one."""
    return and_(
        Site.archived_at.is_(None),
        or_(
            Site.eligibility_override.is_(True),
            and_(Site.eligibility_override.is_(None), computed_eligibility_clause(window)),
        ),
    )


def eligible_site_ids_subquery(window: InspectionWindow | None = None) -> Select:
    """``select(Site.id)`` of every eligible site; use with ``Site.id.in_(...)``."""
    return select(Site.id).where(eligibility_clause(window))


# --- FDA's override -------------------------------------------------------------------------------


def override_eligibility(site: Site, *, eligible: bool, reason: str, by) -> None:
    """Record FDA's verdict over the computed one; the reason is required (SPEC 2)."""
    reason = (reason or "").strip()
    if not reason:
        raise EligibilityError("Write why you are overriding the computed verdict.")
    if len(reason) > OVERRIDE_REASON_MAX:
        raise EligibilityError(f"Keep the reason under {OVERRIDE_REASON_MAX:,} characters.")
    site.eligibility_override = eligible
    site.override_reason = reason
    site.override_by_id = by.id
    site.override_at = utcnow()
    verdict = "eligible" if eligible else "not eligible"
    audit.record("site.eligibility_override", site, detail=f"Set {verdict}. Reason: {reason}")


def clear_override(site: Site) -> bool:
    """Go back to the computed verdict. The old reason stays in the audit log."""
    if site.eligibility_override is None:
        return False
    previous = "eligible" if site.eligibility_override else "not eligible"
    audit.record(
        "site.eligibility_override_cleared",
        site,
        detail=f"Cleared the override ({previous}; reason was: {site.override_reason})",
    )
    site.eligibility_override = None
    site.override_reason = ""
    site.override_by_id = None
    site.override_at = None
    return True
