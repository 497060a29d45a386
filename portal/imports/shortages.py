"""FDA's drug shortage list: products and the companies that market them (SPEC 1).

The export's quirks, all handled by portal.imports.reading: a blank first line,
padded header names (" Status", "   Resolved Note Link"), quoted values that
may span lines, CRLF line ends. Of its 22 columns the portal keeps Generic Name,
Company Name, Presentation, Status, Therapeutic Category and Date of Update.

An entry is keyed by its normalized (generic name, company, presentation -- by NDC
when it has one), so re-running, or importing another year's snapshot that words a
presentation differently, updates and never duplicates. The list can name one
presentation twice (once as "Current", once as "To Be Discontinued"); the row with
the later Date of Update (or, on the same date, the later line) is kept and the
other is reported, with the line it lost to. A line repeating another exactly is
skipped, not an error to correct. An unreadable Date of Update (an optional
column) is reported on the line, and the line imported without it.

The list names companies, not FEI numbers: after the import the portal proposes
site matches by name (portal.imports.matching), which FDA staff confirm or reject.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from portal.extensions import db
from portal.imports.models import ShortageEntry
from portal.imports.outcome import ImportOutcome, apply_changes, insert_rows, load_by
from portal.imports.reading import DateProblem, Row, read_date, too_long
from portal.sites.names import company_key

COLUMNS = (
    "Generic Name",
    "Company Name",
    "Presentation",
    "Status",
    "Therapeutic Category",
    "Date of Update",
)
WHAT = "an FDA drug shortage list export"
LIMITS = {
    "Generic Name": 500,
    "Company Name": 300,
    "Presentation": 4000,
    "Status": 64,
    "Therapeutic Category": 300,
}


def _squash(value: str) -> str:
    return " ".join(value.split()).casefold()


#: A National Drug Code as the list writes it in a presentation: "(NDC 60951-602-70)".
_NDC = re.compile(r"\b\d{4,5}-\d{3,4}-\d{1,2}\b")
_WORDS = re.compile(r"[^0-9a-z]+")


def presentation_key(presentation: str) -> str:
    """What identifies a presentation across snapshots: its NDC codes when it has any,
    else its words without punctuation or spacing, so rewording ("Vial, 10 mL" and
    "vial 10 mL") does not make a second entry."""
    codes = sorted(set(_NDC.findall(presentation)))
    if codes:
        return "ndc " + " ".join(codes)
    return " ".join(_WORDS.split(_squash(presentation))).strip()


def entry_key(generic_name: str, company_name: str, presentation: str) -> str:
    """SHA-256 of the normalized triple: case, spacing and presentation wording do not
    make a new entry."""
    joined = "\x1f".join(
        (_squash(generic_name), _squash(company_name), presentation_key(presentation))
    )
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _parse(row: Row, outcome: ImportOutcome) -> tuple[dict | None, str | None]:
    if problem := row.problem:
        return None, problem
    if not row["Generic Name"]:
        return None, "Generic Name is missing."
    if not row["Company Name"]:
        return None, "Company Name is missing."
    if problem := too_long(row, LIMITS):
        return None, problem
    updated: date | None = None
    if raw := row["Date of Update"]:
        try:
            updated = read_date(raw, "Date of Update")
        except DateProblem as problem:
            # Optional column: the row is still worth importing (SPEC 1 reports, not loses).
            outcome.note(row.line, f"{problem} The line was imported without it.")
    key = company_key(row["Company Name"])
    if not key:
        return None, f'Company Name "{row["Company Name"]}" has no letters or digits to match on.'
    return {
        "generic_name": " ".join(row["Generic Name"].split()),
        "company_name": " ".join(row["Company Name"].split()),
        "company_key": key,
        "presentation": row["Presentation"],
        "status": row["Status"],
        "therapeutic_category": row["Therapeutic Category"],
        "date_of_update": updated,
    }, None


def import_shortages(text: str) -> ImportOutcome:
    outcome = ImportOutcome()
    entries: dict[str, tuple[int, dict]] = {}
    for row in outcome.rows(text, COLUMNS, what=WHAT):
        values, reason = _parse(row, outcome)
        if reason:
            outcome.reject(row.line, reason)
            continue
        key = entry_key(values["generic_name"], values["company_name"], values["presentation"])
        if key not in entries:
            entries[key] = (row.line, values)
            continue
        kept_line, kept = entries[key]
        if kept == values:
            outcome.skip(
                row.line, f"exact duplicate of line {kept_line}.", category="exact duplicate"
            )
            continue
        mine, theirs = values["date_of_update"] or date.min, kept["date_of_update"] or date.min
        newer = mine >= theirs
        loser, winner = (kept_line, row.line) if newer else (row.line, kept_line)
        if mine == theirs:
            why = (
                f"Same product, company and presentation as line {winner}, with the same Date "
                f"of Update; the later line in the file, {winner}, was imported instead."
            )
        else:
            why = (
                f"Same product, company and presentation as line {winner}, which has the "
                f"later Date of Update; line {winner} was imported instead."
            )
        outcome.reject(loser, why)
        if newer:
            entries[key] = (row.line, values)

    existing = load_by(ShortageEntry, ShortageEntry.entry_key, entries)
    new_entries = []
    for key, (_line, values) in entries.items():
        entry = existing.get(key)
        if entry is None:
            new_entries.append({"entry_key": key, **values})
            outcome.count(created=True, changed=True)
        else:
            outcome.count(created=False, changed=apply_changes(entry, values))
    insert_rows(ShortageEntry, new_entries)
    outcome.rejections.sort(key=lambda r: r.line)
    db.session.flush()
    return outcome
