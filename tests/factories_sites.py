"""Test helpers of the sites and imports domains: CSV files built in code, table snapshots."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.imports.inspections import COLUMNS as INSPECTION_COLUMNS

DATA = Path(__file__).parent / "data"
#: Copies of FDA's real public exports (from ../shared/data), so the tests stand alone.
FDA_DATA = DATA / "fda"
COMPLIANCE_FILE = FDA_DATA / "fda-compliance-actions.csv"
SHORTAGES_FILE = FDA_DATA / "fda-drug-shortages-sample.csv"

PREAMBLE = (
    '"Inspections Classification"\r\n"Exported from the FDA Data Dashboard on 11/24/2025."\r\n'
)


def inspection_row(**values: str) -> dict[str, str]:
    """One inspections-export row with plausible defaults; override any column by keyword
    (spaces and slashes in column names become underscores: ``Inspection_ID="1"``)."""
    row = {
        "FEI Number": "3002806560",
        "Legal Name": "Lakeshore Sterile Injectables, LLC",
        "Address Line 1": "1200 Harbor Road",
        "City": "Racine",
        "State": "Wisconsin",
        "Zip Code": "53403",
        "Country/Area": "United States",
        "Fiscal Year": "2017",
        "Inspection ID": "1023401",
        "Posted Citations": "Yes",
        "Inspection End Date": "03/09/2017",
        "Classification": "Voluntary Action Indicated (VAI)",
        "Project Area": "Drug Quality Assurance",
        "Product Type": "Drugs",
    }
    for key, value in values.items():
        column = next(c for c in INSPECTION_COLUMNS if c.replace(" ", "_").replace("/", "_") == key)
        row[column] = value
    return row


def inspections_csv(rows: list[dict[str, str]], *, preamble: str = PREAMBLE) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INSPECTION_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return (preamble + buffer.getvalue()).encode("utf-8")


def compliance_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "FEI Number",
            "Legal Name",
            "State",
            "Country/Area",
            "Product Type",
            "Action Taken Date",
            "Action Type",
            "Case/Injunction ID",
        ]
    )
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table_digest(*tables: str) -> dict[str, str]:
    """A digest of the named tables' rows (ids and timestamps included): equal means untouched."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def count_rows(model) -> int:
    return db.session.scalar(select(db.func.count()).select_from(model))
