"""Files on FDA's internal notes (engagement notes, SPEC 14; question notes, SPEC 8).

They never reach a firm, by construction rather than by care: their rows live in tables
of their own, ``FdaOnly`` (a firm user's session reads none of them, however a query is
written, ``portal.security.tenancy``), and only FDA-side modules import this one (the
import contracts forbid it to firm and public modules). The firm's download URL reads
``Document`` alone, so an internal file's id answers 404 there like any unknown id.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.documents import queries, services
from portal.documents.models import ChunkOf, StoredFile
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages import fda_notes
from portal.messages.fda_notes import EngagementNote
from portal.models import FdaOnly, firm_key, same_firm_as, string_enum
from portal.questions import services as question_services
from portal.questions.models import Question, QuestionNote
from portal.security.scoping import get_fda_record_or_404


class InternalKind(enum.StrEnum):
    ENGAGEMENT_NOTE = "engagement_note"
    QUESTION_NOTE = "question_note"


class InternalDocument(StoredFile, FdaOnly, db.Model):
    """A file on an FDA-internal note: FDA reads it, no firm ever does."""

    __tablename__ = "internal_document"
    __table_args__ = (
        firm_key("internal_document"),
        same_firm_as("internal_document", "engagement_note", "engagement_note_id"),
        same_firm_as("internal_document", "question_note", "question_note_id"),
        CheckConstraint(
            "(kind = 'engagement_note' AND engagement_note_id IS NOT NULL"
            " AND question_note_id IS NULL)"
            " OR (kind = 'question_note' AND question_note_id IS NOT NULL"
            " AND engagement_note_id IS NULL)",
            name="one_note",
        ),
        Index("ix_internal_document_engagement_note", "engagement_note_id"),
        Index("ix_internal_document_question_note", "question_note_id"),
    )

    kind: Mapped[InternalKind] = mapped_column(
        string_enum(InternalKind, "internal_document_kind"), nullable=False
    )
    engagement_note_id: Mapped[int | None] = mapped_column()
    question_note_id: Mapped[int | None] = mapped_column()

    engagement_note = relationship("EngagementNote", foreign_keys=[engagement_note_id])
    question_note = relationship("QuestionNote", foreign_keys=[question_note_id])


class InternalDocumentChunk(ChunkOf, FdaOnly, db.Model):
    __tablename__ = "internal_document_chunk"
    __table_args__ = (
        UniqueConstraint("document_id", "seq", name="uq_internal_document_chunk_document_seq"),
        same_firm_as("internal_document_chunk", "internal_document", "document_id"),
    )


def _store(uploads, note, kind: InternalKind, by: User, **record) -> list[InternalDocument]:
    return services.store(
        uploads,
        firm_id=note.firm_id,
        kind=kind,
        by=by,
        model=InternalDocument,
        chunk_model=InternalDocumentChunk,
        **record,
    )


def post_engagement_note(
    engagement: Engagement, body: str | None, *, by: User, files=()
) -> EngagementNote:
    """An internal note on a thread with its files; a refused file refuses the note."""
    try:
        uploads = services.vet(files)
    except services.DocumentError as error:
        raise fda_notes.MessageError(str(error), "documents") from error
    note = fda_notes.post_note(engagement, body, by=by)
    _store(uploads, note, InternalKind.ENGAGEMENT_NOTE, by, engagement_note_id=note.id)
    return note


def add_question_note(question: Question, body: str, *, by: User, files=()) -> QuestionNote:
    """An internal note on a question with its files; a refused file refuses the note."""
    try:
        uploads = services.vet(files)
    except services.DocumentError as error:
        raise question_services.QuestionError(str(error), "note_documents") from error
    note = question_services.add_note(question, body, by=by)
    _store(uploads, note, InternalKind.QUESTION_NOTE, by, question_note_id=note.id)
    return note


def engagement_note_documents(note_ids: list[int]) -> dict[int, list[InternalDocument]]:
    found: dict[int, list[InternalDocument]] = {}
    if note_ids:
        stmt = select(InternalDocument).where(InternalDocument.engagement_note_id.in_(note_ids))
        for document in queries.ordered(stmt, InternalDocument):
            found.setdefault(document.engagement_note_id, []).append(document)
    return found


def question_note_documents(note_ids: list[int]) -> dict[int, list[InternalDocument]]:
    found: dict[int, list[InternalDocument]] = {}
    if note_ids:
        stmt = select(InternalDocument).where(InternalDocument.question_note_id.in_(note_ids))
        for document in queries.ordered(stmt, InternalDocument):
            found.setdefault(document.question_note_id, []).append(document)
    return found


def load(internal_document_id: uuid.UUID) -> InternalDocument:
    """For FDA's views only (their policy keeps firms out; FdaOnly keeps their sessions out)."""
    return get_fda_record_or_404(InternalDocument, internal_document_id)


def record_link(document: InternalDocument) -> tuple[str, dict]:
    if document.kind == InternalKind.ENGAGEMENT_NOTE:
        engagement = db.session.get(Engagement, document.engagement_note.engagement_id)
        return "messages.thread", {"engagement_id": engagement.public_id, "_anchor": "notes"}
    question = db.session.get(Question, document.question_note.question_id)
    return "questions.detail", {"question_id": question.public_id, "_anchor": "notes"}
