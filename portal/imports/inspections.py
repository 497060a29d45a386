"""The Data Dashboard inspection-classification export: sites and their inspections (SPEC 1).

Layout: two preamble lines (the dashboard's title and export date), then::

    FEI Number, Legal Name, Address Line 1, City, State, Zip Code, Country/Area,
    Fiscal Year, Inspection ID, Posted Citations, Inspection End Date,
    Classification, Project Area, Product Type

FDA's Inspection ID is the key, so re-running a file updates and never
duplicates. The dashboard writes one row per inspection and project area; rows
sharing an Inspection ID are one inspection, whose project areas and product
types are listed together and whose classification is the most serious given.
A site's name and address come from its most recent inspection in the file; a
blank value never erases a known one. An Inspection ID already recorded for another
site is refused, naming both (an inspection never moves silently, SPEC 2).
Counts are per inspection: created, updated (the inspection or its site's details
changed), unchanged; rejected counts rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.imports.outcome import (
    ImportOutcome,
    apply_changes,
    chunks,
    ids_by,
    insert_rows,
    load_by,
)
from portal.imports.reading import (
    DateProblem,
    Row,
    blank_dash,
    dashboard_row_problem,
    read_date,
    too_long,
)
from portal.sites.models import Inspection, InspectionClassification, Site
from portal.sites.names import company_key
from portal.timeutil import fiscal_year, utcnow

COLUMNS = (
    "FEI Number",
    "Legal Name",
    "Address Line 1",
    "City",
    "State",
    "Zip Code",
    "Country/Area",
    "Fiscal Year",
    "Inspection ID",
    "Posted Citations",
    "Inspection End Date",
    "Classification",
    "Project Area",
    "Product Type",
)
WHAT = "a Data Dashboard inspection classification export"

#: The dashboard spells classifications out; people and older exports abbreviate.
CLASSIFICATIONS = {
    "nai": InspectionClassification.NAI,
    "no action indicated": InspectionClassification.NAI,
    "no action indicated (nai)": InspectionClassification.NAI,
    "vai": InspectionClassification.VAI,
    "voluntary action indicated": InspectionClassification.VAI,
    "voluntary action indicated (vai)": InspectionClassification.VAI,
    "oai": InspectionClassification.OAI,
    "official action indicated": InspectionClassification.OAI,
    "official action indicated (oai)": InspectionClassification.OAI,
}
SEVERITY = {
    InspectionClassification.NAI: 0,
    InspectionClassification.VAI: 1,
    InspectionClassification.OAI: 2,
}
POSTED_CITATIONS = {"yes": True, "y": True, "no": False, "n": False, "": None}
LIMITS = {
    "Legal Name": 300,
    "Address Line 1": 300,
    "City": 120,
    "State": 120,
    "Zip Code": 20,
    "Country/Area": 120,
    "Inspection ID": 20,
}


@dataclass
class InspectionRecord:
    """One inspection as the file describes it, merged over its rows."""

    line: int
    fei_number: str
    inspection_id: str
    end_date: date
    classification: InspectionClassification
    posted_citations: bool | None
    project_areas: list[str] = field(default_factory=list)
    product_types: list[str] = field(default_factory=list)

    def merge(self, other: InspectionRecord) -> None:
        if SEVERITY[other.classification] > SEVERITY[self.classification]:
            self.classification = other.classification
        if other.posted_citations:
            self.posted_citations = True
        elif self.posted_citations is None:
            self.posted_citations = other.posted_citations
        for mine, theirs in (
            (self.project_areas, other.project_areas),
            (self.product_types, other.product_types),
        ):
            mine.extend(v for v in theirs if v not in mine)


def _parse(row: Row, today: date) -> tuple[InspectionRecord | None, dict | None, str | None]:
    """The inspection and site details of a row, or the reason to reject it."""
    if problem := dashboard_row_problem(row):
        return None, None, problem
    fei = row["FEI Number"]
    inspection_id = row["Inspection ID"]
    if not inspection_id:
        return None, None, "Inspection ID is missing."
    if not inspection_id.isdigit():
        return None, None, f'Inspection ID "{inspection_id}" is not digits only.'
    if problem := too_long(row, LIMITS):
        return None, None, problem
    raw_date = row["Inspection End Date"]
    if not raw_date:
        return None, None, "Inspection End Date is missing."
    try:
        end_date = read_date(raw_date, "Inspection End Date")
    except DateProblem as problem:
        return None, None, str(problem)
    if end_date > today:
        return None, None, f'Inspection End Date "{raw_date}" is in the future.'
    raw_fy = row["Fiscal Year"]
    if raw_fy:
        if not raw_fy.isdigit():
            return None, None, f'Fiscal Year "{raw_fy}" is not a year such as 2017.'
        if int(raw_fy) != fiscal_year(end_date):
            return (
                None,
                None,
                (
                    f"Fiscal Year {raw_fy} does not match the Inspection End Date {raw_date}, "
                    f"which falls in FY{fiscal_year(end_date)} (1 October to 30 September)."
                ),
            )
    raw_class = row["Classification"]
    classification = CLASSIFICATIONS.get(" ".join(raw_class.split()).casefold())
    if classification is None:
        shown = f'"{raw_class}"' if raw_class else "missing"
        return None, None, f"Classification is {shown}; it must be NAI, VAI or OAI."
    raw_citations = row["Posted Citations"].casefold()
    if raw_citations not in POSTED_CITATIONS:
        return None, None, f'Posted Citations "{row["Posted Citations"]}" must be Yes or No.'
    record = InspectionRecord(
        line=row.line,
        fei_number=fei,
        inspection_id=inspection_id,
        end_date=end_date,
        classification=classification,
        posted_citations=POSTED_CITATIONS[raw_citations],
        project_areas=[row["Project Area"]] if row["Project Area"] else [],
        product_types=[row["Product Type"]] if row["Product Type"] else [],
    )
    details = {
        "legal_name": row["Legal Name"],
        "address_line1": blank_dash(row["Address Line 1"]),
        "city": blank_dash(row["City"]),
        "state": blank_dash(row["State"]),
        "postal_code": blank_dash(row["Zip Code"]),
        "country": blank_dash(row["Country/Area"]),
    }
    return record, details, None


def _joined(values: list[str], limit: int) -> str:
    return "; ".join(values)[:limit]


def _moved_inspections(records: dict[str, InspectionRecord]) -> dict[str, tuple[str, str]]:
    """Inspections of the file already recorded for another site: id -> (FEI, legal name)."""
    moved: dict[str, tuple[str, str]] = {}
    for batch in chunks(sorted(records)):
        stmt = (
            select(Inspection.fda_inspection_id, Site.fei_number, Site.legal_name)
            .join(Site, Inspection.site_id == Site.id)
            .where(Inspection.fda_inspection_id.in_(batch))
        )
        for inspection_id, fei, name in db.session.execute(stmt):
            if records[inspection_id].fei_number != fei:
                moved[inspection_id] = (fei, name)
    return moved


def _site_details(
    rows: list[tuple[InspectionRecord, dict]],
) -> dict[str, tuple[str, dict]]:
    """FEI -> (inspection id, details): the most recent inspection's details, each blank
    filled from the site's other rows, newest first (a blank never erases: SPEC 2)."""
    ordered = sorted(rows, key=lambda item: (item[0].end_date, item[0].line), reverse=True)
    found: dict[str, tuple[str, dict]] = {}
    for record, details in ordered:
        known = found.get(record.fei_number)
        if known is None:
            found[record.fei_number] = (record.inspection_id, dict(details))
            continue
        for name, value in details.items():
            if value and not known[1][name]:
                known[1][name] = value
    return found


def import_inspections(text: str) -> ImportOutcome:
    outcome = ImportOutcome()
    today = utcnow().date()
    records: dict[str, InspectionRecord] = {}
    accepted: list[tuple[InspectionRecord, dict]] = []
    for row in outcome.rows(text, COLUMNS, what=WHAT):
        record, details, reason = _parse(row, today)
        if reason:
            outcome.reject(row.line, reason)
            continue
        earlier = records.get(record.inspection_id)
        if earlier is not None:
            if (earlier.fei_number, earlier.end_date) != (record.fei_number, record.end_date):
                outcome.reject(
                    row.line,
                    f"Inspection ID {record.inspection_id} is also on line {earlier.line} "
                    "with a different FEI Number or Inspection End Date.",
                )
                continue
            earlier.merge(record)
        else:
            records[record.inspection_id] = record
        accepted.append((record, details))

    # An inspection never moves to another site (SPEC 2), whichever file recorded it first.
    moved = _moved_inspections(records)
    for record, _details in accepted:
        if record.inspection_id in moved:
            fei, name = moved[record.inspection_id]
            outcome.reject(
                record.line,
                f"Inspection ID {record.inspection_id} is recorded for FEI {fei} ({name}); this "
                f"line gives FEI {record.fei_number}. An inspection is never moved to another "
                "site by an import: correct the file, or ask FDA's data team which is right.",
            )
    records = {key: value for key, value in records.items() if key not in moved}
    site_details = _site_details(
        [(record, details) for record, details in accepted if record.inspection_id not in moved]
    )

    sites = load_by(Site, Site.fei_number, site_details)
    inspections = load_by(Inspection, Inspection.fda_inspection_id, records)
    site_changed_by: set[str] = set()
    new_sites = []
    for fei, (inspection_id, details) in site_details.items():
        site = sites.get(fei)
        if site is None:
            new_sites.append(
                {"fei_number": fei, "name_key": company_key(details["legal_name"]), **details}
            )
        elif apply_changes(site, {name: value for name, value in details.items() if value}):
            site_changed_by.add(inspection_id)
    insert_rows(Site, new_sites)
    outcome.sites_created = len(new_sites)
    db.session.flush()
    site_ids = {fei: site.id for fei, site in sites.items()}
    site_ids.update(ids_by(Site.fei_number, Site.id, [row["fei_number"] for row in new_sites]))

    new_inspections = []
    for inspection_id, record in records.items():
        values = {
            "site_id": site_ids[record.fei_number],
            "end_date": record.end_date,
            "fiscal_year": fiscal_year(record.end_date),
            "classification": record.classification,
            "project_area": _joined(record.project_areas, 200),
            "product_type": _joined(record.product_types, 100),
            "posted_citations": record.posted_citations,
        }
        existing = inspections.get(inspection_id)
        if existing is None:
            new_inspections.append({"fda_inspection_id": inspection_id, **values})
            outcome.count(created=True, changed=True)
        else:
            changed = apply_changes(existing, values)
            outcome.count(created=False, changed=changed or inspection_id in site_changed_by)
    insert_rows(Inspection, new_inspections)
    outcome.rejections.sort(key=lambda r: r.line)
    db.session.flush()
    return outcome
