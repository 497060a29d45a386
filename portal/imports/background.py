"""Imports too large for a request, run by the job worker in steps of whole sites.

The upload page imports a file of up to ``IMPORT_INLINE_ROWS`` rows (default
5,000: a few seconds) while the person waits, as before. A larger file is
checked the same way (encoding, columns) and queued; the worker then imports
it ``IMPORT_STEP_ROWS`` rows at a time (default 2,000), each step committed
together with the job's progress, so the page can show "rows done of rows
total" and a worker restart resumes after the last saved step without
importing a row twice.

Each step is handed to the same importer the request path uses, as a small
CSV of its own: the file's lines above the first row (preamble and header)
followed by the step's rows. Rows are grouped by FEI Number, and all the rows
of one site go into one step, so what the importer decides per site (which
inspection's details are the latest, rows of one inspection merged) is
decided with every row of that site in view, as in a single-request import.
Rejected lines are reported with their line numbers in the uploaded file.
"""

from __future__ import annotations

import io
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app

from portal.audit import services as audit
from portal.extensions import db
from portal.imports import compliance, inspections, shortages, warning_letters
from portal.imports.matching import apply_confirmed_matches, propose_matches
from portal.imports.models import ImportKind, ImportRun
from portal.imports.reading import Row, decode, read_rows
from portal.imports.services import FILENAME_MAX, IMPORTERS
from portal.jobs.models import BackgroundJob
from portal.jobs.runner import register_handler
from portal.timeutil import utcnow

JOB_KIND = "import"

#: The columns and description each import's reader needs (the file's layout).
LAYOUTS = {
    ImportKind.INSPECTIONS: (inspections.COLUMNS, inspections.WHAT),
    ImportKind.COMPLIANCE_ACTIONS: (compliance.COLUMNS, compliance.WHAT),
    ImportKind.SHORTAGES: (shortages.COLUMNS, shortages.WHAT),
    ImportKind.WARNING_LETTERS: (warning_letters.COLUMNS, warning_letters.WHAT),
}
#: The column whose rows must stay in one step (None: any row may go anywhere).
GROUP_BY = {
    ImportKind.INSPECTIONS: "FEI Number",
    ImportKind.COMPLIANCE_ACTIONS: "FEI Number",
    ImportKind.SHORTAGES: None,
    ImportKind.WARNING_LETTERS: None,
}


def inline_rows() -> int:
    """Files with more rows than this are imported in the background."""
    return int(current_app.config.get("IMPORT_INLINE_ROWS", 5000))


def step_rows() -> int:
    return int(current_app.config.get("IMPORT_STEP_ROWS", 2000))


def _rows(kind: ImportKind, text: str) -> Iterator[Row]:
    """The file's rows one at a time: a Row holds every cell of its line, and 100,000 of
    them at once took a web worker past 300 MB (issue 15: 150 MB)."""
    columns, what = LAYOUTS[kind]
    return read_rows(text, columns, what=what)


def count_rows(kind: ImportKind, data: bytes) -> int:
    """The file's rows (ImportRefused, with the reason, for a file refused as a whole)."""
    return sum(1 for _row in _rows(kind, decode(data)))


def queue_import(kind: ImportKind, data: bytes, filename: str, *, by, rows: int) -> BackgroundJob:
    """Queue ``data`` (already counted: ``rows``) for the worker; the caller commits."""
    job = BackgroundJob(
        kind=JOB_KIND,
        label=(filename or "")[:FILENAME_MAX],
        payload=data,
        params=json.dumps({"import_kind": kind.value, "step_rows": step_rows()}),
        rows_total=rows,
        by_id=by.id if by is not None else None,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        "import.queued",
        job,
        actor=by,
        detail=f"{kind.value} from {job.label}: {rows:,} rows, to be imported in the background",
    )
    return job


def import_kind_of(job: BackgroundJob) -> ImportKind:
    return ImportKind(json.loads(job.params)["import_kind"])


# --- the worker's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    #: A CSV the importer reads: the file's lines above its first row, then this step's rows.
    text: str
    #: The uploaded file's line number of each line of ``text`` (index 0 is line 1).
    lines: tuple[int, ...]
    rows: int


def plan_steps(kind: ImportKind, data: bytes, size: int) -> list[Step]:
    """The file cut into steps of about ``size`` rows, the rows of one site kept together."""
    text = decode(data)
    column = GROUP_BY[kind]
    # Only each row's first line and group are kept, not the rows (see _rows).
    starts: list[int] = []
    groups: OrderedDict[object, list[int]] = OrderedDict()
    for i, row in enumerate(_rows(kind, text)):
        key = row[column] if column and not row.problem and row[column] else ("line", row.line)
        starts.append(row.line)
        groups.setdefault(key, []).append(i)
    physical = io.StringIO(text, newline="").readlines()
    head = physical[: starts[0] - 1]
    # A row spans from its first line to the line before the next row (blank lines included).
    spans = [
        (line, starts[i + 1] if i + 1 < len(starts) else len(physical) + 1)
        for i, line in enumerate(starts)
    ]
    steps: list[Step] = []
    current: list[int] = []

    def close() -> None:
        current.sort()
        body_lines = [line for i in current for line in range(*spans[i])]
        body = "".join(physical[line - 1] for line in body_lines)
        if body and not body.endswith(("\n", "\r")):
            body += "\n"
        prefix = "".join(head)
        if prefix and not prefix.endswith(("\n", "\r")):
            prefix += "\n"
        lines = tuple(range(1, len(head) + 1)) + tuple(body_lines)
        steps.append(Step(prefix + body, lines, len(current)))
        current.clear()

    for members in groups.values():
        current.extend(members)
        if len(current) >= size:
            close()
    if current:
        close()
    return steps


#: The plans of the jobs this worker process ran last: a file is planned once, not per step
#: (a job's file and step size never change; the file is loaded only to plan it).
_PLANS: OrderedDict[object, list[Step]] = OrderedDict()
_PLANS_KEPT = 2


def _plan(job: BackgroundJob, kind: ImportKind) -> list[Step]:
    plan = _PLANS.get(job.public_id)
    if plan is None:
        size = json.loads(job.params).get("step_rows") or step_rows()
        plan = _PLANS[job.public_id] = plan_steps(kind, job.payload, size)
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan


def _add(state: dict, outcome, step: Step) -> None:
    for name in ("created", "updated", "unchanged", "sites_created", "proposed"):
        state[name] = state.get(name, 0) + getattr(outcome, name)

    def line_in_file(line: int) -> int:
        return step.lines[line - 1] if 0 < line <= len(step.lines) else 0

    rejections = state.setdefault("rejections", [])
    for rejection in outcome.rejections:
        rejections.append({"line": line_in_file(rejection.line), "reason": rejection.reason})
    notes = state.setdefault("notes", [])
    for note in outcome.notes:
        notes.append({**note.as_dict(), "line": line_in_file(note.line)})


def import_step(job: BackgroundJob) -> bool:
    """Import the next step of the file, or, after the last, record the run (SPEC 1)."""
    kind = import_kind_of(job)
    steps = _plan(job, kind)
    state = json.loads(job.state or "{}")
    if job.steps_done < len(steps):
        step = steps[job.steps_done]
        outcome = IMPORTERS[kind](step.text)
        _add(state, outcome, step)
        job.rows_done += step.rows
        job.state = json.dumps(state)
        return False
    proposed = propose_matches() + state.get("proposed", 0)
    if kind == ImportKind.SHORTAGES:
        apply_confirmed_matches()
    rejections = sorted(state.get("rejections", []), key=lambda item: item["line"])
    notes = sorted(state.get("notes", []), key=lambda item: item["line"])
    skipped = sum(1 for note in notes if note["kind"] == "skipped")
    run = ImportRun(
        kind=kind,
        filename=job.label,
        started_at=job.started_at or job.created_at,
        finished_at=utcnow(),
        by_id=job.by_id,
        created=state.get("created", 0),
        updated=state.get("updated", 0),
        unchanged=state.get("unchanged", 0),
        rejected=len(rejections),
        sites_created=state.get("sites_created", 0),
        matches_proposed=proposed,
        rejections=json.dumps(rejections),
        skipped=skipped,
        notes=json.dumps(notes),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(
        "import.run",
        run,
        actor=job.by,
        detail=(
            f"{kind.value} from {run.filename} (in the background, {job.rows_total:,} rows): "
            f"created {run.created}, updated {run.updated}, unchanged {run.unchanged}, "
            f"rejected {run.rejected}, skipped {run.skipped}, sites created {run.sites_created}, "
            f"match proposals {proposed}"
        ),
    )
    job.result_ref = str(run.public_id)
    return True


register_handler(JOB_KIND, import_step)
