"""Figures for issue 10: FDA's shipped files and files built in the real layouts, imported
in order into one throwaway SQLite database.

    .venv/bin/python benchmarks/import_real_files.py [--data ../shared/data]

Prints, per file: rows accepted (created/updated/unchanged), skipped (by category) and
rejected (by reason), seconds, sites created, shortage proposals by strength, and the
number of open regulatory actions before and after the Warning Letters close-out import.
The built files are written the way the real ones break: a 3,380-row inspections export,
a 2,799-row shortage snapshot re-saved by a spreadsheet (M/D/YY dates, CRLF, stray quotes,
exact duplicates), and a Warning Letters list with close-outs for half the warning letters
of the compliance-actions file (names written as the list writes them).
"""

from __future__ import annotations

import argparse
import collections
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

from sqlalchemy import func, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.imports.inspections import COLUMNS as INSPECTION_COLUMNS  # noqa: E402
from portal.imports.models import ImportKind, ShortageMatch  # noqa: E402
from portal.imports.services import notes_of, rejections_of, run_import  # noqa: E402
from portal.sites.models import RegulatoryAction, Site  # noqa: E402
from portal.timeutil import fiscal_year  # noqa: E402

SHORTAGE_HEADER = (
    "Generic Name,Company Name, Contact Info, Presentation, Type of Update,Date of Update,"
    " Therapeutic Category, Status"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def inspections_file(compliance: list[dict[str, str]], count: int) -> bytes:
    """Inspections of the compliance file's drug sites (so names meet), in the export's layout."""
    rng = random.Random(10)
    drug = [r for r in compliance if r["Product Type"] == "Drugs"]
    out = io.StringIO()
    out.write('"Inspections Classification"\r\n"Exported from the FDA Data Dashboard."\r\n')
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(INSPECTION_COLUMNS)
    start = date(2015, 1, 1)
    for number in range(count):
        row = drug[number % len(drug)]
        end = start + timedelta(days=rng.randrange(0, 3650))
        writer.writerow(
            [
                row["FEI Number"],
                row["Legal Name"],
                f"{number} Industrial Way",
                "Springfield",
                row["State"],
                "12345",
                row["Country/Area"],
                fiscal_year(end),
                str(5000000 + number),
                rng.choice(("Yes", "No")),
                f"{end.month}/{end.day}/{end.year}",
                rng.choice(("NAI", "VAI", "OAI")),
                "Drug Quality Assurance",
                "Drugs",
            ]
        )
    return out.getvalue().encode()


def shortage_snapshot(compliance: list[dict[str, str]], count: int) -> bytes:
    """A spreadsheet-saved snapshot: M/D/YY dates, CRLF, stray quotes, exact duplicates."""
    rng = random.Random(11)
    drug = [r for r in compliance if r["Product Type"] == "Drugs"]
    lines = ["", SHORTAGE_HEADER]
    previous = ""
    for number in range(count):
        if number % 97 == 5 and previous:
            lines.append(previous)  # an exact duplicate
            continue
        company = drug[rng.randrange(len(drug))]["Legal Name"].replace('"', "")
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 700))
        needle = ' 1 1/2" needle' if number % 50 == 0 else ""
        line = (
            f'"Drug {number % 900} Injection","{company}","800-555-0100",'
            f'"Drug {number % 900}, Injection, vial{needle} '
            f'(NDC {10000 + number}-{number % 999:03d}-01)",'
            f'"New","{day.month}/{day.day}/{day.year % 100:02d}","Anti-Infective","Current"'
        )
        lines.append(line)
        previous = line
    return ("\r\n".join(lines) + "\r\n").encode()


def warning_letters_file(compliance: list[dict[str, str]]) -> bytes:
    """Close-outs for every other drug warning letter, company names as the list writes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "Posted Date",
            "Letter Issue Date",
            "Company Name",
            "Issuing Office",
            "Subject",
            "Response Letter",
            "Closeout Letter",
        ]
    )
    letters = [
        r
        for r in compliance
        if r["Product Type"] == "Drugs" and r["Action Type"] == "Warning Letter"
    ]
    for number, row in enumerate(letters):
        issued = date.fromisoformat(row["Action Taken Date"])
        closeout = issued + timedelta(days=400) if number % 2 == 0 else None
        if closeout and closeout > date(2025, 11, 1):
            closeout = None
        name = row["Legal Name"]
        if number % 10 == 4:
            name = name.rstrip(".") + " (formerly Something Else)"
        writer.writerow(
            [
                (issued + timedelta(days=10)).strftime("%m/%d/%Y"),
                issued.strftime("%m/%d/%Y"),
                name,
                "Center for Drug Evaluation and Research | CDER",
                "CGMP/Finished Pharmaceuticals/Adulterated",
                "",
                closeout.strftime("%m/%d/%Y") if closeout else "",
            ]
        )
    return out.getvalue().encode()


def open_actions() -> int:
    return db.session.scalar(
        select(func.count(RegulatoryAction.id)).where(RegulatoryAction.closed_on.is_(None))
    )


def report(label: str, kind: ImportKind, data: bytes) -> None:
    started = time.perf_counter()
    run = run_import(kind, data, label)
    db.session.commit()
    seconds = time.perf_counter() - started
    notes = notes_of(run)
    skipped = collections.Counter(n["category"] for n in notes if n["kind"] == "skipped")
    reasons = collections.Counter(
        r["reason"].split(" is ")[0].split(" has ")[0][:70] for r in rejections_of(run)
    )
    print(f"\n{label} ({kind.value}), {seconds:.2f} s")
    print(
        f"  accepted: created {run.created}, updated {run.updated}, unchanged {run.unchanged}; "
        f"skipped {run.skipped} {dict(skipped)}; rejected {run.rejected} {dict(reasons)}"
    )
    print(
        f"  remarks on imported lines: {sum(1 for n in notes if n['kind'] == 'note')}; "
        f"sites created {run.sites_created}; matches proposed {run.matches_proposed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    data = Path(args.data)
    compliance_path = data / "fda-compliance-actions.csv"
    compliance = _rows(compliance_path)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.sqlite3"}
        )
        with app.app_context():
            db.create_all()
            report(
                "built inspections (3,380 rows)",
                ImportKind.INSPECTIONS,
                inspections_file(compliance, 3380),
            )
            report(
                "fda-compliance-actions.csv (shipped)",
                ImportKind.COMPLIANCE_ACTIONS,
                compliance_path.read_bytes(),
            )
            report(
                "fda-drug-shortages-sample.csv (shipped)",
                ImportKind.SHORTAGES,
                (data / "fda-drug-shortages-sample.csv").read_bytes(),
            )
            report(
                "built shortage snapshot (2,799 rows, M/D/YY, CRLF)",
                ImportKind.SHORTAGES,
                shortage_snapshot(compliance, 2799),
            )
            strengths = db.session.execute(
                select(ShortageMatch.strength, func.count()).group_by(ShortageMatch.strength)
            ).all()
            print(f"\nshortage proposals by strength: {dict(strengths)}")
            print(f"sites: {db.session.scalar(select(func.count(Site.id)))}")
            before = open_actions()
            report(
                "built Warning Letters list",
                ImportKind.WARNING_LETTERS,
                warning_letters_file(compliance),
            )
            print(f"\nopen regulatory actions: before {before}, after {open_actions()}")
            report(
                "built Warning Letters list, again",
                ImportKind.WARNING_LETTERS,
                warning_letters_file(compliance),
            )


if __name__ == "__main__":
    main()
