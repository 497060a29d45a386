"""What an import did, row by row, before it is written to an ImportRun."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from portal.extensions import db
from portal.imports.reading import Rejection

#: Values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_CHUNK = 500


@dataclass
class ImportOutcome:
    """Counts per record of the file: created, updated, unchanged, rejected (with line)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sites_created: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejections.append(Rejection(line, reason))

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
