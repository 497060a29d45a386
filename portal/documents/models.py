"""Documents attached to a firm's records, stored in the database (SPEC 15).

The content lives in ``document_chunk`` rows of at most 1 MiB, not on a disk: a
backup of the database is a backup of every file, every web host reads the same
files, and a document is saved in the same transaction as the record it belongs
to (or not at all). Chunks let a 25 MB file be written and sent one piece at a time,
so a worker never holds a whole file in memory.

A document is never deleted: it is withdrawn, with a reason, and then no longer sent.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.documents.sniff import BY_MIME
from portal.extensions import db
from portal.models import FirmOwned, PublicIdMixin, UTCDateTime, firm_key, same_firm_as, string_enum
from portal.timeutil import utcnow

#: Rows of content; a download reads one at a time.
CHUNK_SIZE = 1024 * 1024
NAME_MAX = 200
REASON_MAX = 500


class DocumentKind(enum.StrEnum):
    """Which part of a record the document belongs to; decides who sees it when."""

    #: The firm's question: FDA and the firm.
    QUESTION = "question"
    #: FDA's answer to a question: the firm once FDA has answered (``answer_shown``).
    ANSWER = "answer"
    #: A message in an engagement's thread: both sides.
    MESSAGE = "message"
    #: A published version of a meeting's record (SPEC 7a): FDA attaches files when it
    #: publishes, so a draft's files have no row the firm could read.
    MEETING_RECORD = "meeting_record"
    #: The firm's evidence on a quality action (SPEC 11): both sides.
    EVIDENCE = "evidence"


class StoredFile(PublicIdMixin, FirmOwned):
    """What every stored file records: name, judged type, size, SHA-256, uploader and time,
    withdrawal. Its content is in chunk rows (``ChunkOf``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The name the uploader's computer gave it (no folders), shown and offered on download.
    filename: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    #: The type judged from the content (documents.sniff), never the one the browser sent.
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Hex SHA-256 of the content, computed while it was stored.
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    @declared_attr
    def uploaded_by(cls):  # noqa: N805
        return relationship("User", foreign_keys=[cls.uploaded_by_id])

    @declared_attr
    def withdrawn_by(cls):  # noqa: N805
        return relationship("User", foreign_keys=[cls.withdrawn_by_id])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def type_label(self) -> str:
        kind = BY_MIME.get(self.content_type)
        return kind.label if kind else self.content_type


class ChunkOf(FirmOwned):
    """Up to CHUNK_SIZE bytes of one stored file, in order by ``seq`` from 0."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Document(StoredFile, db.Model):
    """A file on a record both sides may see (by its kind's rule); bytes in ``DocumentChunk``.

    FDA's internal notes' files are not here: ``documents.fda_internal`` keeps them in
    tables the firm's session never reads."""

    __tablename__ = "document"
    __table_args__ = (
        firm_key("document"),
        same_firm_as("document", "question", "question_id"),
        same_firm_as("document", "engagement_message", "message_id"),
        same_firm_as("document", "meeting_record_version", "record_version_id"),
        same_firm_as("document", "quality_action_event", "evidence_event_id"),
        # Exactly the record its kind names, so a document cannot hang between two records.
        CheckConstraint(
            "(CASE WHEN question_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN message_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN record_version_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN evidence_event_id IS NULL THEN 0 ELSE 1 END) = 1"
            " AND (kind NOT IN ('question', 'answer') OR question_id IS NOT NULL)"
            " AND (kind <> 'message' OR message_id IS NOT NULL)"
            " AND (kind <> 'meeting_record' OR record_version_id IS NOT NULL)"
            " AND (kind <> 'evidence' OR evidence_event_id IS NOT NULL)",
            name="one_record",
        ),
        Index("ix_document_question", "question_id", "kind"),
        Index("ix_document_message", "message_id"),
        Index("ix_document_record_version", "record_version_id"),
        Index("ix_document_evidence_event", "evidence_event_id"),
    )

    kind: Mapped[DocumentKind] = mapped_column(
        string_enum(DocumentKind, "document_kind"), nullable=False
    )
    question_id: Mapped[int | None] = mapped_column()
    message_id: Mapped[int | None] = mapped_column()
    record_version_id: Mapped[int | None] = mapped_column()
    evidence_event_id: Mapped[int | None] = mapped_column()

    question = relationship("Question", foreign_keys=[question_id])
    message = relationship("EngagementMessage", foreign_keys=[message_id])
    record_version = relationship("MeetingRecordVersion", foreign_keys=[record_version_id])
    evidence_event = relationship("QualityActionEvent", foreign_keys=[evidence_event_id])


class DocumentChunk(ChunkOf, db.Model):
    __tablename__ = "document_chunk"
    __table_args__ = (
        UniqueConstraint("document_id", "seq", name="uq_document_chunk_document_seq"),
        same_firm_as("document_chunk", "document", "document_id"),
    )
