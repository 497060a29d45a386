"""How long a 10,000-row Data Dashboard inspections file takes to import on SQLite.

    .venv/bin/python benchmarks/import_inspections.py [--rows 10000] [--sites 4000]

Writes a file in the export's layout (two preamble lines, the 14 columns,
MM/DD/YYYY dates, some inspections spread over two project-area rows) into a
throwaway SQLite database, imports it as `flask import-inspections` does, then
imports it again (the re-run that must change nothing). Target: under 10
seconds for the first run.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.imports.inspections import COLUMNS  # noqa: E402  (the layout the import expects)
from portal.imports.models import ImportKind  # noqa: E402
from portal.imports.services import run_import  # noqa: E402

CLASSIFICATIONS = (
    "No Action Indicated (NAI)",
    "Voluntary Action Indicated (VAI)",
    "Official Action Indicated (OAI)",
)
PLACES = (
    ("Racine", "Wisconsin", "United States"),
    ("Hyderabad", "-", "India"),
    ("Toluca", "-", "Mexico"),
    ("Basel", "-", "Switzerland"),
    ("Morristown", "New Jersey", "United States"),
)


def inspections_file(rows: int, sites: int, seed: int = 20170930) -> bytes:
    """A made-up export: ``rows`` lines over ``sites`` FEI numbers; every 10th inspection
    has a second row for another project area, as the dashboard writes them."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write('"Inspections Classification"\r\n"Exported from the FDA Data Dashboard."\r\n')
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    written, inspection = 0, 2_000_000
    while written < rows:
        inspection += 1
        number = rng.randrange(sites)
        city, state, country = PLACES[number % len(PLACES)]
        end = date(2009, 10, 1) + timedelta(days=rng.randrange(5800))
        fiscal = end.year + 1 if end.month >= 10 else end.year
        base = [
            str(3_100_000_000 + number),
            f"Benchmark Pharmaceutical Site {number}, Inc.",
            f"{number} Industrial Way",
            city,
            state,
            f"{10000 + number % 89999}",
            country,
            str(fiscal),
            str(inspection),
            rng.choice(("Yes", "No")),
            end.strftime("%m/%d/%Y"),
            rng.choice(CLASSIFICATIONS),
        ]
        writer.writerow([*base, "Drug Quality Assurance", "Drugs"])
        written += 1
        if inspection % 10 == 0 and written < rows:
            writer.writerow([*base, "Compliance: Devices", "Devices"])
            written += 1
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=4_000)
    args = parser.parse_args()

    data = inspections_file(args.rows, args.sites)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"}
        )
        with app.app_context():
            db.create_all()
            for label in ("first run", "re-run"):
                started = time.perf_counter()
                run = run_import(ImportKind.INSPECTIONS, data, "benchmark.csv")
                db.session.commit()
                elapsed = time.perf_counter() - started
                print(
                    f"{label}: {args.rows:,} rows in {elapsed:.2f} s "
                    f"(created {run.created:,}, updated {run.updated:,}, "
                    f"unchanged {run.unchanged:,}, rejected {run.rejected:,}, "
                    f"new sites {run.sites_created:,})"
                )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
