"""Reading the search index: one interface over SQLite FTS5 and PostgreSQL text search.

Each engine only answers "which entries hold every term (as a word prefix)"; the order
(newest first, then id), the filters, the paging and the snippets are the same SQL and
Python on both, so both databases give the same results for the same data (issue 13).
Ranking is left out on purpose: FTS5's bm25 and ts_rank disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table

from portal.auth.models import Firm
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.models import EngagementMessage
from portal.search.models import TSVECTOR, EntryKind, SearchEntry
from portal.search.text import Query, highlight, snippet

PER_PAGE = 20

_fts = table("search_entry_fts", column("rowid"), column("search_entry_fts"))


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    firm_id: int | None = None
    topic: str | None = None
    #: Half-open range of occurred_at, in UTC.
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Hit:
    """One result as pages show it."""

    kind: EntryKind
    target_id: UUID
    firm_name: str
    occurred_at: datetime
    title: Markup
    snippet: Markup


def _matches(query: Query) -> ColumnElement[bool]:
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        # Terms are letters and digits only (portal.search.text), so quoting each one is
        # the whole of the escaping FTS5 needs.
        expression = " AND ".join(f'"{term}"*' for term in query.terms)
        return SearchEntry.id.in_(
            select(_fts.c.rowid).where(_fts.c.search_entry_fts.op("MATCH")(expression))
        )
    expression = " & ".join(f"{term}:*" for term in query.terms)
    # The stored column has statistics (ANALYZE), so the planner knows a rare word from a
    # common one: a rare word reads the GIN index, a common one walks the date index.
    return literal_column(TSVECTOR).op("@@")(
        func.to_tsquery(literal_column("'simple'::regconfig"), expression)
    )


def _phrase(words: tuple[str, ...]) -> ColumnElement[bool]:
    # Terms are single-space separated, so a phrase is a substring starting a term; its
    # last word is a prefix like every other term. No LIKE wildcard can occur in a term.
    return (" " + SearchEntry.terms).like("% " + " ".join(words) + "%")


def search_statement(query: Query, filters: Filters) -> Select:
    """The entries matching ``query`` and ``filters``, newest first; not yet narrowed to a
    firm (the caller scopes it to the viewer)."""
    stmt = select(SearchEntry).where(_matches(query))
    for words in query.phrases:
        stmt = stmt.where(_phrase(words))
    if filters.kind:
        stmt = stmt.where(SearchEntry.kind == filters.kind)
    if filters.firm_id is not None:
        stmt = stmt.where(SearchEntry.firm_id == filters.firm_id)
    if filters.topic:
        stmt = stmt.where(SearchEntry.topic == filters.topic)
    if filters.start is not None:
        stmt = stmt.where(SearchEntry.occurred_at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(SearchEntry.occurred_at < filters.end)
    return stmt.order_by(SearchEntry.occurred_at.desc(), SearchEntry.id.desc())


def hits(entries: list[SearchEntry], query: Query) -> list[Hit]:
    """The page's entries with firm names, link targets and snippets: one query in all."""
    firm_ids = {entry.firm_id for entry in entries}
    message_ids = [entry.source_id for entry in entries if entry.kind == EntryKind.MESSAGE]
    firms: dict[int, str] = {}
    threads: dict[int, UUID] = {}
    if entries:
        # One statement for both lookups: the firms' names and the messages' threads.
        rows = db.session.execute(
            select(Firm.id, Firm.name, EngagementMessage.id, Engagement.public_id)
            .select_from(Firm)
            .outerjoin(
                EngagementMessage,
                and_(
                    EngagementMessage.firm_id == Firm.id,
                    EngagementMessage.id.in_(message_ids or [-1]),
                ),
            )
            .outerjoin(Engagement, Engagement.id == EngagementMessage.engagement_id)
            .where(Firm.id.in_(firm_ids))
        ).all()
        for firm_id, firm_name, message_id, engagement_public_id in rows:
            firms[firm_id] = firm_name
            if message_id is not None:
                threads[message_id] = engagement_public_id
    out = []
    for entry in entries:
        kind = EntryKind(entry.kind)
        target = threads.get(entry.source_id) if kind == EntryKind.MESSAGE else entry.target_id
        if target is None:
            continue
        out.append(
            Hit(
                kind=kind,
                target_id=target,
                firm_name=firms.get(entry.firm_id, ""),
                occurred_at=entry.occurred_at,
                title=highlight(entry.title, query.terms),
                snippet=snippet(entry.body, query.terms),
            )
        )
    return out
