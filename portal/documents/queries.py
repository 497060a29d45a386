"""Reading documents: which a viewer may see, and their content a chunk at a time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from flask import abort
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.documents.models import ChunkOf, Document, DocumentChunk, DocumentKind
from portal.extensions import db
from portal.minutes.models import MeetingRecordVersion
from portal.quality.models import QualityActionEvent
from portal.questions.models import Question
from portal.security.scoping import firm_scoped, get_owned_or_404


def _with_people(model=Document) -> tuple:
    return (joinedload(model.uploaded_by), joinedload(model.withdrawn_by))


def firm_visible():
    """The documents a firm's pages may list and send: all but an answer's before FDA
    has answered (``Question.answer_shown``)."""
    return or_(
        Document.kind != DocumentKind.ANSWER,
        exists().where(Question.id == Document.question_id, Question.answer_shown),
    )


def load_for_fda(document_id: uuid.UUID) -> Document:
    return get_owned_or_404(Document, document_id, *_with_people(), log_view=False)


def load_for_firm(document_id: uuid.UUID) -> Document:
    """The viewer's firm's document, if its record shows it to the firm; else 404,
    exactly as for one that does not exist."""
    document = db.session.scalars(
        firm_scoped(Document, *_with_people()).where(
            Document.public_id == document_id, firm_visible()
        )
    ).first()
    if document is None:
        abort(404)
    return document


def ordered(stmt, model=Document):
    """A statement's documents, uploaders and withdrawers loaded with them, oldest first."""
    return db.session.scalars(
        stmt.options(*_with_people(model)).order_by(model.uploaded_at, model.id)
    ).all()


def question_documents(question: Question, kinds: tuple[DocumentKind, ...]) -> dict:
    """The question's documents of these kinds, withdrawn ones too, in one query:
    {kind: [document, ...]} in the order they came."""
    found: dict[DocumentKind, list[Document]] = {kind: [] for kind in kinds}
    for document in ordered(
        select(Document).where(Document.question_id == question.id, Document.kind.in_(kinds))
    ):
        found[document.kind].append(document)
    return found


def fda_question_documents(question: Question) -> dict:
    return question_documents(question, (DocumentKind.QUESTION, DocumentKind.ANSWER))


def firm_question_documents(question: Question) -> dict:
    kinds = (DocumentKind.QUESTION,)
    if question.answer_shown:
        kinds = (*kinds, DocumentKind.ANSWER)
    found = question_documents(question, kinds)
    found.setdefault(DocumentKind.ANSWER, [])
    return found


def message_documents(message_ids: list[int]) -> dict[int, list[Document]]:
    """The documents of a page of messages, in one query: {message id: [document, ...]}."""
    found: dict[int, list[Document]] = {}
    if not message_ids:
        return found
    for document in ordered(select(Document).where(Document.message_id.in_(message_ids))):
        found.setdefault(document.message_id, []).append(document)
    return found


def record_documents(meeting_id: int, *, up_to: int | None = None) -> list[Document]:
    """The documents published with a meeting's record versions (up to version ``up_to``),
    oldest first, in one query; each knows its version (``record_version``)."""
    stmt = (
        select(Document)
        .join(MeetingRecordVersion, MeetingRecordVersion.id == Document.record_version_id)
        .where(MeetingRecordVersion.meeting_id == meeting_id)
        .options(contains_eager(Document.record_version))
    )
    if up_to is not None:
        stmt = stmt.where(MeetingRecordVersion.number <= up_to)
    return list(ordered(stmt))


def evidence_documents(action_id: int) -> dict[int, list[Document]]:
    """The documents of a quality action's evidence, in one query: {event id: [...]}."""
    found: dict[int, list[Document]] = {}
    stmt = (
        select(Document)
        .join(QualityActionEvent, QualityActionEvent.id == Document.evidence_event_id)
        .where(QualityActionEvent.action_id == action_id)
    )
    for document in ordered(stmt):
        found.setdefault(document.evidence_event_id, []).append(document)
    return found


def content(
    document_id: int, chunk_count: int, chunk_model: type[ChunkOf] = DocumentChunk
) -> Iterator[bytes]:
    """The bytes of a document, a chunk per query: one chunk in memory at a time."""
    for seq in range(chunk_count):
        data = db.session.scalar(
            select(chunk_model.data).where(
                chunk_model.document_id == document_id, chunk_model.seq == seq
            )
        )
        if data is None:
            # A document's chunks are written with it; a gap means damage, not a download.
            raise RuntimeError(f"document {document_id} has no chunk {seq}")
        yield bytes(data)
