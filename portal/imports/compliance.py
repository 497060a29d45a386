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
import or FDA staff fill it in): FDA needs to see the action whenever that site
comes up, and an action must hang on a site. A site that exists keeps its details:
the inspections export and FDA staff own those. The import never reopens or
closes an action: closing is FDA's record (``closed_on``), kept across re-imports.
"""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.imports.outcome import ImportOutcome, apply_changes, chunks, ids_by, insert_rows
from portal.imports.reading import (
    Row,
    blank_dash,
    dashboard_row_problem,
    parse_date,
    read_rows,
    too_long,
)
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
    taken = parse_date(raw_date)
    if taken is None:
        return None, (
            f'Action Taken Date "{raw_date}" is not a date in the form YYYY-MM-DD (or MM/DD/YYYY).'
        )
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


def import_compliance_actions(text: str) -> ImportOutcome:
    outcome = ImportOutcome()
    today = utcnow().date()
    rows: dict[ActionKey, Row] = {}
    for row in read_rows(text, COLUMNS, what=WHAT):
        key, reason = _parse(row, today)
        if reason:
            outcome.reject(row.line, reason)
        elif key in rows:
            outcome.reject(row.line, f"Repeats line {rows[key].line} (same FEI, type, date, case).")
        else:
            rows[key] = row

    site_ids = ids_by(Site.fei_number, Site.id, {key[0] for key in rows})
    # New sites take their details from their most recent action in the file.
    newest: dict[str, tuple[date, Row]] = {}
    for (fei, _type, taken, _case), row in rows.items():
        if fei not in site_ids and (fei not in newest or taken >= newest[fei][0]):
            newest[fei] = (taken, row)
    insert_rows(
        Site,
        [
            {
                "fei_number": fei,
                "legal_name": row["Legal Name"],
                "name_key": company_key(row["Legal Name"]),
                "state": blank_dash(row["State"]),
                "country": blank_dash(row["Country/Area"]),
            }
            for fei, (_taken, row) in newest.items()
        ],
    )
    outcome.sites_created = len(newest)
    site_ids.update(ids_by(Site.fei_number, Site.id, newest))

    existing = _existing_actions(list(site_ids.values()))
    new_actions = []
    for (fei, action_type, taken, case_id), row in rows.items():
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
            changed = apply_changes(action, {"product_type": product_type})
            outcome.count(created=False, changed=changed)
    insert_rows(RegulatoryAction, new_actions)
    db.session.flush()
    return outcome
