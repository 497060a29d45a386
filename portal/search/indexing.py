"""Keeping the search index current: in the flush that changes a searchable text.

A session listener, not a call in each service: every path that writes a question, an
answer, a message, a published record or a quality action (the services, the demo, a
shell, a future service nobody taught about search) goes through a flush, so the
index cannot be forgotten, and its rows ride in the same transaction as the change:
saved together or rolled back together. Bulk Core inserts (benchmarks/seed_large.py)
bypass it; ``flask search reindex`` rebuilds the index from the tables.

What is indexed is only what the firm reads (see ``portal.search.models``): a withdrawn
question leaves the index (and so does its answer), an answer is indexed once written
(the firm's question page shows FDA's response as soon as it is saved), a meeting record
only as its newest published version, never FDA's working copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, event, func, insert, inspect, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.messages.models import EngagementMessage
from portal.minutes.models import MeetingRecordVersion
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.search.models import EntryKind, SearchEntry
from portal.search.text import from_html, from_typed, terms_of

TITLE_MAX = 300
#: Rows written per INSERT when rebuilding.
BATCH = 2000


@dataclass(frozen=True)
class Entry:
    firm_id: int
    kind: str
    source_id: int
    target_id: UUID
    topic: str | None
    occurred_at: datetime
    title: str
    body: str
    terms: str


def _entry(
    kind: EntryKind,
    row: Any,
    *,
    source_id: int,
    target_id: UUID,
    topic: str | None,
    occurred_at: datetime,
    title: str,
    body: str,
) -> Entry:
    title = " ".join(title.split())[:TITLE_MAX]
    return Entry(
        firm_id=row.firm_id,
        kind=kind.value,
        source_id=source_id,
        target_id=target_id,
        topic=topic,
        occurred_at=occurred_at,
        title=title,
        body=body,
        terms=terms_of(title, body),
    )


def question_entries(question: Any) -> list[Entry]:
    """A question and, once written, FDA's answer; nothing once withdrawn."""
    if question.withdrawn_at is not None:
        return []
    common = {"source_id": question.id, "target_id": question.public_id, "topic": question.topic}
    entries = [
        _entry(
            EntryKind.QUESTION,
            question,
            occurred_at=question.submitted_at,
            title=question.subject,
            body=from_html(question.body_html),
            **common,
        )
    ]
    if question.response_html and question.responded_at is not None:
        entries.append(
            _entry(
                EntryKind.ANSWER,
                question,
                occurred_at=question.responded_at,
                title=question.subject,
                body=from_html(question.response_html),
                **common,
            )
        )
    return entries


def message_entries(message: Any) -> list[Entry]:
    # The thread page is the engagement's; its public id is read with the results.
    return [
        _entry(
            EntryKind.MESSAGE,
            message,
            source_id=message.id,
            target_id=message.public_id,
            topic=None,
            occurred_at=message.created_at,
            title="Message in the engagement's thread",
            body=from_typed(message.body),
        )
    ]


def record_entries(version: Any) -> list[Entry]:
    """The newest published version stands for its record (one entry per record)."""
    content = version.content or {}
    parts = [content.get(key) or "" for key in ("summary", "topics", "outcomes")]
    parts += [item.get("description") or "" for item in content.get("follow_ups") or []]
    return [
        _entry(
            EntryKind.MEETING_RECORD,
            version,
            source_id=version.record_id,
            target_id=version.public_id,
            topic=None,
            occurred_at=version.published_at,
            title=f"Meeting record, version {version.number}",
            body=" ".join(from_typed(part) for part in parts if part),
        )
    ]


def action_entries(action: Any) -> list[Entry]:
    description = from_typed(action.description)
    body = description
    if action.closed_reason:
        body += " " + from_typed(action.closed_reason)
    return [
        _entry(
            EntryKind.QUALITY_ACTION,
            action,
            source_id=action.id,
            target_id=action.public_id,
            topic=None,
            occurred_at=action.created_at,
            title=f"{action.kind.label} action: {description[:80]}",
            body=body,
        )
    ]


#: Each indexed model: the entry kinds it owns (by its id), how its entries are made, the
#: source id, and the attributes whose change rewrites them (a status change or an
#: assignment leaves the entry as it is).
SOURCES: dict[type, tuple[tuple[EntryKind, ...], Any, Any, frozenset[str]]] = {
    Question: (
        (EntryKind.QUESTION, EntryKind.ANSWER),
        question_entries,
        lambda q: q.id,
        frozenset(
            {
                "subject",
                "topic",
                "body_html",
                "submitted_at",
                "withdrawn_at",
                "response_html",
                "responded_at",
                "firm_id",
            }
        ),
    ),
    EngagementMessage: (
        (EntryKind.MESSAGE,),
        message_entries,
        lambda m: m.id,
        frozenset({"body", "created_at"}),
    ),
    MeetingRecordVersion: (
        (EntryKind.MEETING_RECORD,),
        record_entries,
        lambda v: v.record_id,
        frozenset({"content", "number", "published_at"}),
    ),
    QualityAction: (
        (EntryKind.QUALITY_ACTION,),
        action_entries,
        lambda a: a.id,
        frozenset({"description", "closed_reason", "kind", "created_at"}),
    ),
}


def _text_changed(obj: object, watched: frozenset[str]) -> bool:
    # In after_flush the attributes still carry this flush's history.
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in watched)


def write(
    connection: Connection,
    sources: Iterable[tuple[tuple[EntryKind, ...], int]],
    entries: list[Entry],
) -> None:
    """Replace the entries of ``sources`` (kinds, source id) by ``entries``."""
    keys = [(kind.value, source_id) for kinds, source_id in sources for kind in kinds]
    table = SearchEntry.__table__
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        connection.execute(delete(table).where(tuple_(table.c.kind, table.c.source_id).in_(chunk)))
    if entries:
        connection.execute(insert(table), [asdict(entry) for entry in entries])


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, _context) -> None:
    # after_flush: new rows have their ids and defaults; new/dirty still list them.
    sources: list[tuple[tuple[EntryKind, ...], int]] = []
    entries: list[Entry] = []
    seen: set[tuple[type, int]] = set()
    dirty, deleted = session.dirty, session.deleted
    for obj in (*session.new, *dirty, *deleted):
        spec = SOURCES.get(type(obj))
        if spec is None:
            continue
        kinds, make, key, watched = spec
        if obj in dirty and not _text_changed(obj, watched):
            continue
        if isinstance(obj, MeetingRecordVersion) and not _is_newest(session, obj):
            continue
        marker = (type(obj), key(obj))
        if marker in seen:
            continue
        seen.add(marker)
        sources.append((kinds, key(obj)))
        if obj not in deleted:
            entries.extend(make(obj))
    if sources:
        write(session.connection(), sources, entries)


def _is_newest(session: Session, version: MeetingRecordVersion) -> bool:
    newest = (
        session.connection()
        .execute(
            select(func.max(MeetingRecordVersion.number)).where(
                MeetingRecordVersion.record_id == version.record_id
            )
        )
        .scalar()
    )
    return newest is None or version.number >= newest


def _rows(connection: Connection, stmt, size: int = BATCH) -> Iterator[Any]:
    # On the statement, not the connection: the connection also writes the batches.
    yield from connection.execute(stmt.execution_options(yield_per=size))


def rebuild(connection: Connection) -> dict[str, int]:
    """Empty the index and fill it again from the tables; returns entries per kind.

    Core reads and batched inserts, so that half a million questions fit in memory a
    batch at a time. The caller commits.
    """
    connection.execute(delete(SearchEntry.__table__))
    if connection.dialect.name == "sqlite":
        # The triggers removed every row from the FTS5 index; this also compacts it.
        connection.exec_driver_sql(
            "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')"
        )
    counts = {kind.value: 0 for kind in EntryKind}
    q = Question
    statements = [
        (
            select(
                q.id,
                q.firm_id,
                q.public_id,
                q.topic,
                q.subject,
                q.body_html,
                q.submitted_at,
                q.withdrawn_at,
                q.response_html,
                q.responded_at,
            ).order_by(q.id),
            question_entries,
        ),
        (
            select(
                EngagementMessage.id,
                EngagementMessage.firm_id,
                EngagementMessage.public_id,
                EngagementMessage.body,
                EngagementMessage.created_at,
            ).order_by(EngagementMessage.id),
            message_entries,
        ),
        (_newest_versions(), record_entries),
        (
            select(
                QualityAction.id,
                QualityAction.firm_id,
                QualityAction.public_id,
                QualityAction.kind,
                QualityAction.description,
                QualityAction.closed_reason,
                QualityAction.created_at,
            ).order_by(QualityAction.id),
            action_entries,
        ),
    ]
    for stmt, make in statements:
        batch: list[Entry] = []
        for row in _rows(connection, stmt):
            batch.extend(make(row))
            if len(batch) >= BATCH:
                _insert(connection, batch, counts)
                batch = []
        _insert(connection, batch, counts)
    return counts


def _newest_versions():
    v = MeetingRecordVersion
    newest = (
        select(v.record_id, func.max(v.number).label("number")).group_by(v.record_id).subquery()
    )
    return (
        select(v.id, v.firm_id, v.public_id, v.record_id, v.number, v.content, v.published_at)
        .join(newest, (newest.c.record_id == v.record_id) & (newest.c.number == v.number))
        .order_by(v.id)
    )


def _insert(connection: Connection, batch: list[Entry], counts: dict[str, int]) -> None:
    if not batch:
        return
    connection.execute(insert(SearchEntry.__table__), [asdict(entry) for entry in batch])
    for entry in batch:
        counts[entry.kind] += 1
