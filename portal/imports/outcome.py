"""What an import did, row by row, before it is written to an ImportRun."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from portal.extensions import db
from portal.imports.reading import Rejection, Row, read_rows

#: Values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class LineNote:
    """A line imported with a remark, or skipped on purpose (not an error to correct)."""

    line: int
    text: str
    #: "skipped" (the line was left out by rule) or "note" (imported; something was said).
    kind: str = "note"
    #: What kind of skip, for the run's counts ("Devices", "exact duplicate").
    category: str = ""

    def as_dict(self) -> dict:
        return {"line": self.line, "text": self.text, "kind": self.kind, "category": self.category}


@dataclass
class ImportOutcome:
    """Counts per record of the file: created, updated, unchanged, rejected (with line),
    skipped (with line and why), and remarks on lines that were imported."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sites_created: int = 0
    #: Matches the import itself proposed for FDA to decide (warning-letter close-outs).
    proposed: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[LineNote] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejections.append(Rejection(line, reason))

    def note(self, line: int, text: str) -> None:
        self.notes.append(LineNote(line, text))

    def skip(self, line: int, text: str, *, category: str = "") -> None:
        self.notes.append(LineNote(line, text, "skipped", category))

    def rows(self, text: str, columns: tuple[str, ...], *, what: str) -> Iterator[Row]:
        """The file's rows (portal.imports.reading), with what reading repaired noted."""
        for row in read_rows(text, columns, what=what):
            for remark in row.notes:
                self.note(row.line, remark)
            yield row

    def count(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def skipped(self) -> int:
        return sum(1 for n in self.notes if n.kind == "skipped")

    @property
    def skipped_by(self) -> dict[str, int]:
        """Skipped lines counted by category, e.g. {"Devices": 1710, "Biologics": 182}."""
        return dict(Counter(n.category or "other" for n in self.notes if n.kind == "skipped"))


def chunks(values: Iterable[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_by(model: type, column, keys: Iterable[Any]) -> dict[Any, Any]:
    """Existing rows whose ``column`` is one of ``keys``, by that value: one query per 500 keys.

    The imports look records up this way instead of one query per row, which is
    what keeps a 10,000-row file well under ten seconds.
    """
    found: dict[Any, Any] = {}
    for batch in chunks(sorted(set(keys))):
        for record in db.session.scalars(select(model).where(column.in_(batch))):
            found[getattr(record, column.key)] = record
    return found


def insert_rows(model: type, rows: list[dict[str, Any]]) -> None:
    """Insert new records as one batched statement (per 500) instead of one per row.

    The ORM's unit of work inserts rows one by one on SQLite when it needs their
    ids back; the imports do not, so they insert in bulk (column defaults such
    as public_id and created_at still apply) and look ids up afterwards.
    """
    for batch in chunks(rows):
        db.session.execute(insert(model), batch)


def ids_by(column, id_column, keys: Iterable[Any]) -> dict[Any, int]:
    """``{key: id}`` for rows whose ``column`` is in ``keys``: one query per 500 keys."""
    found: dict[Any, int] = {}
    for batch in chunks(sorted(set(keys))):
        found.update(db.session.execute(select(column, id_column).where(column.in_(batch))).all())
    return found


def apply_changes(record: Any, values: dict[str, Any]) -> bool:
    """Set the values that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed
