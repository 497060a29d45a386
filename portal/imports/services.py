"""Running an import: one file, one transaction, one ImportRun (SPEC 1).

The command line and the upload page both call :func:`run_import`. A file
refused as a whole raises ImportRefused before anything is written; otherwise
the good rows are written, the bad ones listed by line in the run, and the
caller commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from portal.audit import services as audit
from portal.extensions import db
from portal.imports.compliance import import_compliance_actions
from portal.imports.inspections import import_inspections
from portal.imports.matching import apply_confirmed_matches, propose_matches
from portal.imports.models import ImportKind, ImportRun
from portal.imports.outcome import ImportOutcome
from portal.imports.reading import ImportRefused, decode
from portal.imports.shortages import import_shortages
from portal.imports.warning_letters import import_warning_letters
from portal.timeutil import utcnow

__all__ = [
    "CONCURRENT_IMPORT",
    "KIND_LABELS",
    "ImportRefused",
    "notes_of",
    "rejections_of",
    "run_import",
    "skipped_by_of",
]

IMPORTERS: dict[ImportKind, Callable[[str], ImportOutcome]] = {
    ImportKind.INSPECTIONS: import_inspections,
    ImportKind.COMPLIANCE_ACTIONS: import_compliance_actions,
    ImportKind.SHORTAGES: import_shortages,
    ImportKind.WARNING_LETTERS: import_warning_letters,
}

KIND_LABELS = {
    ImportKind.INSPECTIONS: "Inspections (Data Dashboard inspection classifications)",
    ImportKind.COMPLIANCE_ACTIONS: "Compliance actions (Data Dashboard)",
    ImportKind.SHORTAGES: "Drug shortages (FDA drug shortage list)",
    ImportKind.WARNING_LETTERS: "Warning letter close-outs (FDA Warning Letters list)",
}

FILENAME_MAX = 255

#: When two imports write the same records at once, the unique keys stop the later one.
CONCURRENT_IMPORT = (
    "Another import saved some of the same records while this one ran, so nothing from "
    "this file was saved. Import the file again: records already saved will show as unchanged."
)


def run_import(kind: ImportKind, data: bytes, filename: str, *, by=None) -> ImportRun:
    """Import ``data``; returns the recorded run. ``by`` is None from the command line."""
    started = utcnow()
    outcome = IMPORTERS[kind](decode(data))
    proposed = propose_matches() + outcome.proposed
    if kind == ImportKind.SHORTAGES:
        apply_confirmed_matches()
    run = ImportRun(
        kind=kind,
        filename=(filename or "")[:FILENAME_MAX],
        started_at=started,
        finished_at=utcnow(),
        by_id=by.id if by is not None else None,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        rejected=outcome.rejected,
        sites_created=outcome.sites_created,
        matches_proposed=proposed,
        rejections=json.dumps([r.as_dict() for r in outcome.rejections]),
        skipped=outcome.skipped,
        notes=json.dumps([n.as_dict() for n in sorted(outcome.notes, key=lambda n: n.line)]),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "import.run",
        run,
        actor=by,
        detail=(
            f"{kind.value} from {run.filename}: created {run.created}, updated {run.updated}, "
            f"unchanged {run.unchanged}, rejected {run.rejected}, skipped {run.skipped}"
            f"{skipped_summary(outcome.skipped_by)}, sites created {run.sites_created}, "
            f"match proposals {proposed}"
        ),
    )
    return run


def skipped_summary(skipped_by: dict[str, int]) -> str:
    """ " (Devices 1,710, Biologics 182)" for messages, or "" when nothing was skipped."""
    if not skipped_by:
        return ""
    parts = sorted(skipped_by.items(), key=lambda item: (-item[1], item[0]))
    return " (" + ", ".join(f"{name} {count:,}" for name, count in parts) + ")"


def notes_of(run: ImportRun) -> list[dict]:
    """The run's skipped lines and remarks: [{"line", "text", "kind", "category"}], by line."""
    try:
        items = json.loads(run.notes or "[]")
    except ValueError:
        return []
    return sorted(items, key=lambda item: item.get("line", 0))


def skipped_by_of(run: ImportRun) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in notes_of(run):
        if item.get("kind") == "skipped":
            category = item.get("category") or "other"
            counts[category] = counts.get(category, 0) + 1
    return counts


def rejections_of(run: ImportRun) -> list[dict]:
    """The rejected lines of a run: [{"line": n, "reason": "..."}], in line order."""
    try:
        items = json.loads(run.rejections or "[]")
    except ValueError:
        return []
    return sorted(items, key=lambda item: item.get("line", 0))
