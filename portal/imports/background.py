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

import atexit
import gzip
import io
import json
import shutil
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from portal.audit import services as audit
from portal.extensions import db
from portal.imports import compliance, inspections, shortages, warning_letters
from portal.imports.matching import apply_confirmed_matches, propose_matches
from portal.imports.models import ImportKind, ImportRun
from portal.imports.reading import Row, read_rows, sized_lines, text_lines
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


def _rows(kind: ImportKind, lines: Iterable[str]) -> Iterator[Row]:
    """The file's rows one at a time: a Row holds every cell of its line, and 100,000 of
    them at once took a web worker past 300 MB (issue 15: 150 MB)."""
    columns, what = LAYOUTS[kind]
    return read_rows(lines, columns, what=what)


def count_rows(kind: ImportKind, data: bytes | BinaryIO) -> int:
    """The file's rows (ImportRefused, with the reason, for a file refused as a whole),
    read line by line from its bytes or the upload's stream: neither its text nor its
    lines are held at once."""
    return sum(1 for _row in _rows(kind, text_lines(data)))


#: Stored files are compressed: a CSV shrinks to a fifth or less, and the web worker that
#: stores it and the job worker that loads it hold that, not the file (issue 15: memory).
GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def compressed(source: bytes | BinaryIO) -> bytes:
    """``source`` gzip-compressed, read a chunk at a time from a stream."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    packed = io.BytesIO()
    # Level 1: the upload request waits for it, and a CSV's repetition compresses well
    # even at the fastest level.
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=1, mtime=0) as writer:
        while chunk := stream.read(_CHUNK):
            writer.write(chunk)
    return packed.getvalue()


def stored_file(payload: bytes) -> BinaryIO:
    """The uploaded file from a job's payload, as a temporary file on disk (a step reads
    its rows' bytes from it). Jobs queued before compression hold the file as is; a CSV
    never starts with gzip's magic bytes."""
    file = tempfile.TemporaryFile()  # open for the job's steps; closed with its plan
    source = io.BytesIO(payload)
    reader = gzip.GzipFile(fileobj=source) if payload.startswith(GZIP_MAGIC) else source
    shutil.copyfileobj(reader, file, _CHUNK)
    file.seek(0)
    return file


def queue_import(
    kind: ImportKind, data: bytes | BinaryIO, filename: str, *, by, rows: int
) -> BackgroundJob:
    """Queue ``data`` (already counted: ``rows``) for the worker; the caller commits."""
    job = BackgroundJob(
        kind=JOB_KIND,
        label=(filename or "")[:FILENAME_MAX],
        payload=compressed(data),
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
    """Where a step's CSV lies in the stored file: byte ranges, not the text, so a plan
    costs a few bytes a row and the worker decodes one step at a time (issue 15)."""

    #: Bytes of the file above its first row (preamble and header): [0, head_end).
    head_end: int
    #: The step's rows as byte ranges of the file, in file order: start, end, start, end...
    ranges: array
    #: The uploaded file's line number of each line of the step's text (index 0 is line 1).
    lines: array
    rows: int

    def text(self, data: bytes | BinaryIO) -> str:
        """A CSV the importer reads: the file's lines above its first row, then the rows."""
        file = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data

        def read(start: int, end: int) -> bytes:
            file.seek(start)
            return file.read(end - start)

        prefix = read(0, self.head_end).decode("utf-8-sig")
        if prefix and not prefix.endswith(("\n", "\r")):
            prefix += "\n"
        bounds = self.ranges
        body = b"".join(read(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))
        text = body.decode("utf-8")
        if text and not text.endswith(("\n", "\r")):
            text += "\n"
        return prefix + text


def plan_steps(kind: ImportKind, data: bytes | BinaryIO, size: int) -> list[Step]:
    """The file cut into steps of about ``size`` rows, the rows of one site kept together.

    One pass over the file's lines notes where each line starts in the bytes and where
    each row starts; the rows themselves are not kept (see _rows).
    """
    column = GROUP_BY[kind]
    #: offsets[n] is where line n + 1 starts; the last entry is the file's end.
    offsets = array("Q", [0])

    def measured() -> Iterator[str]:
        for line, size_in_bytes in sized_lines(data):
            offsets.append(offsets[-1] + size_in_bytes)
            yield line

    starts = array("L")
    groups: OrderedDict[object, array] = OrderedDict()
    for i, row in enumerate(_rows(kind, measured())):
        key = row[column] if column and not row.problem and row[column] else ("line", row.line)
        starts.append(row.line)
        groups.setdefault(key, array("L")).append(i)
    last_line = len(offsets) - 1
    head_lines = starts[0] - 1
    head_end = offsets[head_lines]
    steps: list[Step] = []
    current: list[int] = []

    def close() -> None:
        current.sort()
        ranges = array("Q")
        lines = array("L", range(1, head_lines + 1))
        for i in current:
            # A row spans from its first line to the line before the next row (blank
            # lines included).
            first = starts[i]
            end = starts[i + 1] if i + 1 < len(starts) else last_line + 1
            lines.extend(range(first, end))
            if ranges and ranges[-1] == offsets[first - 1]:
                ranges[-1] = offsets[end - 1]  # follows the previous row in the file
            else:
                ranges.extend((offsets[first - 1], offsets[end - 1]))
        steps.append(Step(head_end, ranges, lines, len(current)))
        current.clear()

    for members in groups.values():
        current.extend(members)
        if len(current) >= size:
            close()
    if current:
        close()
    return steps


#: The file and plan of the job this worker process runs: a file is loaded, decompressed
#: and planned once, not per step (a job's file and step size never change). The file
#: waits on disk, not in memory: loading the payload for each step held two copies of
#: it at a time, and holding it decompressed took the worker past 150 MB (issue 15).
_PLANS: dict[object, tuple[BinaryIO, list[Step]]] = {}


def _forget_plans() -> None:
    for file, _steps in _PLANS.values():
        file.close()
    _PLANS.clear()


# A job handed back or failed midway leaves its file open until the next job; close it
# when the worker exits rather than leave that to the garbage collector.
atexit.register(_forget_plans)


def _plan(job: BackgroundJob, kind: ImportKind) -> tuple[BinaryIO, list[Step]]:
    plan = _PLANS.get(job.public_id)
    if plan is None:
        _forget_plans()
        size = json.loads(job.params).get("step_rows") or step_rows()
        file = stored_file(job.payload)
        plan = _PLANS[job.public_id] = (file, plan_steps(kind, file, size))
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
    data, steps = _plan(job, kind)
    state = json.loads(job.state or "{}")
    if job.steps_done < len(steps):
        step = steps[job.steps_done]
        outcome = IMPORTERS[kind](step.text(data))
        _add(state, outcome, step)
        job.rows_done += step.rows
        job.state = json.dumps(state)
        return False
    _forget_plans()
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
