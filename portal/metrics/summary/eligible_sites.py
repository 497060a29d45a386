"""Each site's eligibility verdict (``metrics_site``), recomputed whole by the triggers of a
site, its products, inspections and regulatory actions, and of the inspection window."""

# S608: the statements are built from this package's constants (table and column names);
# nothing from a request reaches them.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, literal_column, select, text

from portal.metrics.summary.contributions import DIALECTS, WINDOW_SETTINGS, setting_value
from portal.sites.eligibility import eligibility_clause
from portal.sites.models import Site


@dataclass(frozen=True)
class _SettingWindow:
    """The inspection window as SQL read from the settings (``sites.eligibility``'s window)."""

    first_day: object
    last_day: object


def _window(dialect: str) -> _SettingWindow:
    start, end = (setting_value(key) for key in WINDOW_SETTINGS)
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


def refresh_all_sites(dialect: str) -> list[str]:
    return ["DELETE FROM metrics_site", refresh_sites("(SELECT id FROM site)", dialect)]
