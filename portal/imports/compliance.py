"""The Data Dashboard compliance-actions export: regulatory actions by FEI number (SPEC 1).

Layout (the real file, data/fda-compliance-actions.csv)::

    FEI Number, Legal Name, State, Country/Area, Product Type, Action Taken Date,
    Action Type, Case/Injunction ID

A row is one action, keyed by (site, Action Type, Action Taken Date,
Case/Injunction ID) -- the file has no id of its own -- so re-running updates and
never duplicates. Every action type in the file (warning letter, injunction,
seizure) is adverse.

An FEI number the portal does not know yet gets a site created from the row's
Legal Name, State and Country/Area (address left blank until an inspections
import or FDA staff fill it in) -- but only when the row's Product Type is one the
program setting ``site_creating_product_types`` lists (default: Drugs). Device and
biologics firms would otherwise flood the list of drug manufacturing sites; their
rows are attached to sites the portal knows and otherwise skipped, with counts.
A site that exists keeps its details: the inspections export and FDA staff own those.
The import never reopens or closes an action: closing is FDA's record
(``closed_on``), kept across re-imports.
"""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.imports.outcome import ImportOutcome, apply_changes, chunks, ids_by, insert_rows
from portal.imports.reading import (
    DateProblem,
    Row,
    blank_dash,
    dashboard_row_problem,
    read_date,
    too_long,
)
from portal.program.settings import site_creating_product_types
from portal.sites.models import RegulatoryAction, Site
from portal.sites.names import company_key
from portal.timeutil import utcnow

COLUMNS = (
    "FEI Number",
    "Legal Name",
    "State",
    "Country/Area",
    "Product Type",
    "Action Taken Date",
    "Action Type",
    "Case/Injunction ID",
)
WHAT = "a Data Dashboard compliance actions export"
LIMITS = {
    "Legal Name": 300,
    "State": 120,
    "Country/Area": 120,
    "Product Type": 64,
    "Action Type": 64,
    "Case/Injunction ID": 32,
}

ActionKey = tuple[str, str, date, str]


def _parse(row: Row, today: date) -> tuple[ActionKey | None, str | None]:
    if problem := dashboard_row_problem(row):
        return None, problem
    fei = row["FEI Number"]
    if not row["Action Type"]:
        return None, "Action Type is missing."
    if problem := too_long(row, LIMITS):
        return None, problem
    raw_date = row["Action Taken Date"]
    if not raw_date:
        return None, "Action Taken Date is missing."
    try:
        taken = read_date(raw_date, "Action Taken Date")
    except DateProblem as problem:
        return None, str(problem)
    if taken > today:
        return None, f'Action Taken Date "{raw_date}" is in the future.'
    return (fei, row["Action Type"], taken, row["Case/Injunction ID"]), None


def _existing_actions(site_ids: list[int]) -> dict[tuple[int, str, date, str], RegulatoryAction]:
    found = {}
    for batch in chunks(site_ids):
        stmt = db.select(RegulatoryAction).where(RegulatoryAction.site_id.in_(batch))
        for action in db.session.scalars(stmt):
            key = (action.site_id, action.action_type, action.action_date, action.case_id)
            found[key] = action
    return found


def _details(rows: list[tuple[date, Row]]) -> dict[str, str]:
    """A new site's details from its most recent row, blanks filled from older ones."""
    details = {"legal_name": "", "state": "", "country": ""}
    for _taken, row in sorted(rows, key=lambda item: (item[0], item[1].line), reverse=True):
        for name, value in (
            ("legal_name", row["Legal Name"]),
            ("state", blank_dash(row["State"])),
            ("country", blank_dash(row["Country/Area"])),
        ):
            if value and not details[name]:
                details[name] = value
    return details


def import_compliance_actions(text: str) -> ImportOutcome:
    outcome = ImportOutcome()
    today = utcnow().date()
    creating = site_creating_product_types()
    rows: dict[ActionKey, Row] = {}
    for row in outcome.rows(text, COLUMNS, what=WHAT):
        key, reason = _parse(row, today)
        if reason:
            outcome.reject(row.line, reason)
        elif key in rows and rows[key].values == row.values:
            outcome.skip(
                row.line, f"exact duplicate of line {rows[key].line}.", category="exact duplicate"
            )
        elif key in rows:
            outcome.reject(
                row.line,
                f"Same FEI, Action Type, date and case as line {rows[key].line}, but other "
                "values differ; correct whichever line is wrong.",
            )
        else:
            rows[key] = row

    site_ids = ids_by(Site.fei_number, Site.id, {key[0] for key in rows})
    # Only the product types the program lists add sites (SPEC 1: the export mixes
    # Drugs, Devices and Biologics, and the Sites list is of drug manufacturing sites).
    # Any row of a site the portal knows, or that a listed type adds, is attached.
    by_new_site: dict[str, list[tuple[date, Row]]] = {}
    for (fei, _type, taken, _case), row in rows.items():
        if fei not in site_ids and row["Product Type"].casefold() in creating:
            by_new_site.setdefault(fei, []).append((taken, row))
    kept: dict[ActionKey, Row] = {}
    for key, row in rows.items():
        fei = key[0]
        if fei in site_ids or fei in by_new_site:
            kept[key] = row
            continue
        product_type = row["Product Type"] or "(no product type)"
        outcome.skip(
            row.line,
            f"{product_type} action for FEI {fei}, a site the portal does not know; only "
            f"{', '.join(sorted(creating)) or 'no'} rows add sites (a program setting).",
            category=product_type,
        )
    insert_rows(
        Site,
        [
            {"fei_number": fei, "name_key": company_key(details["legal_name"]), **details}
            for fei, details in ((fei, _details(found)) for fei, found in by_new_site.items())
        ],
    )
    outcome.sites_created = len(by_new_site)
    site_ids.update(ids_by(Site.fei_number, Site.id, by_new_site))

    existing = _existing_actions(list(site_ids.values()))
    new_actions = []
    for (fei, action_type, taken, case_id), row in kept.items():
        site_id = site_ids[fei]
        product_type = row["Product Type"]
        action = existing.get((site_id, action_type, taken, case_id))
        if action is None:
            new_actions.append(
                {
                    "site_id": site_id,
                    "action_type": action_type,
                    "action_date": taken,
                    "case_id": case_id,
                    "product_type": product_type,
                    "source": "import",
                }
            )
            outcome.count(created=True, changed=True)
        else:
            changed = apply_changes(action, {"product_type": product_type} if product_type else {})
            outcome.count(created=False, changed=changed)
    insert_rows(RegulatoryAction, new_actions)
    outcome.rejections.sort(key=lambda r: r.line)
    db.session.flush()
    return outcome
