"""The search index (issue 13): one row per searchable text the firm may read.

Only texts the firm itself reads are indexed (questions, FDA's answers, thread messages,
published meeting records, quality actions), so the index is firm-visible by construction:
a firm user's search cannot reach an FDA note or a draft record, because none is here.
FDA's internal texts are not indexed for now.

Each engine indexes ``terms``, already normalized in Python (``portal.search.text``):
SQLite an FTS5 table over it (external content, kept by triggers), PostgreSQL a GIN
index over a stored column ``terms_vector = to_tsvector('simple', terms)``. Both are made
by ``create_all`` (the DDL below) and by the migration ``i13s_0001``.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, UniqueConstraint, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import FirmOwned, UTCDateTime


class EntryKind(enum.StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    MESSAGE = "message"
    MEETING_RECORD = "meeting_record"
    QUALITY_ACTION = "quality_action"

    @property
    def label(self) -> str:
        return {
            "question": "Question",
            "answer": "FDA's answer",
            "message": "Message",
            "meeting_record": "Meeting record",
            "quality_action": "Quality action",
        }[self.value]


class SearchEntry(FirmOwned, db.Model):
    """A firm-visible text as search reads it; rewritten in the flush that changes its source."""

    __tablename__ = "search_entry"
    __table_args__ = (
        # One entry per source: an answer shares its question's id, a record's versions
        # share the record's id (only the newest published version is searchable).
        UniqueConstraint("kind", "source_id", name="uq_search_entry_kind_source"),
        # Results are listed newest first; a filter by firm reads its own range.
        Index("ix_search_entry_occurred", "occurred_at", "id"),
        Index("ix_search_entry_firm_occurred", "firm_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    #: The row the text comes from (question, message, meeting record, quality action).
    source_id: Mapped[int] = mapped_column(nullable=False)
    #: The public id of the page that shows it (for a message: the engagement's thread).
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    #: The CGMP topic (questions and answers).
    topic: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    #: The text as plain words (markup stripped): snippets are cut from it.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    #: Title and body normalized (portal.search.text.terms_of): what the engines index.
    terms: Mapped[str] = mapped_column(Text, nullable=False)


#: SQLite: an external-content FTS5 table over ``terms``, kept in step by triggers so that
#: every write to search_entry (ORM, Core, a backfill) updates it in the same transaction.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE search_entry_fts USING fts5("
    "terms, content='search_entry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_entry_fts_update AFTER UPDATE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_entry_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
)
#: PostgreSQL: the terms as a stored tsvector, and a GIN index over it. Stored rather than
#: an expression index: a search matching most rows rechecks them, and recomputing
#: to_tsvector for each (half a million questions) took seconds where reading it takes
#: milliseconds (benchmarks/search.py).
TSVECTOR = "search_entry.terms_vector"
#: Columns and indexes made by this DDL, which the metadata does not describe
#: (tests/test_migrations.py leaves them out of compare_metadata and checks them by name).
DDL_COLUMNS = frozenset({"terms_vector"})
DDL_INDEXES = frozenset({"ix_search_entry_terms"})
POSTGRESQL_DDL = (
    "ALTER TABLE search_entry ADD COLUMN terms_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED",
    "CREATE INDEX ix_search_entry_terms ON search_entry USING gin (terms_vector)",
)
POSTGRESQL_DROP = ("DROP INDEX IF EXISTS ix_search_entry_terms",)


def _install_ddl() -> None:
    table = SearchEntry.__table__
    for statement in SQLITE_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRESQL_DDL:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    # drop_all removes search_entry; the FTS5 table would otherwise outlive its content.
    for statement in SQLITE_DROP:
        event.listen(table, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


_install_ddl()
