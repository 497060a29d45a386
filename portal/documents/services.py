"""Vetting, storing and withdrawing documents (SPEC 15). Services add and flush.

A record's service vets its files first (``vet``), before it writes anything, so a
refused file leaves no half-made record; then, with the record flushed, ``store``
writes each file a chunk at a time, computing its SHA-256 on the way, so a 25 MB
upload never sits whole in a worker's memory.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import func, insert, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.documents.models import (
    CHUNK_SIZE,
    NAME_MAX,
    REASON_MAX,
    ChunkOf,
    Document,
    DocumentChunk,
    DocumentKind,
    StoredFile,
)
from portal.documents.sniff import Kind, Refused, sniff
from portal.extensions import db
from portal.program.settings import get_setting
from portal.timeutil import utcnow

MEGABYTE = 1024 * 1024
#: The form field every record's form names its files by; errors are shown beside it.
FIELD = "documents"


class DocumentError(ValueError):
    """A file or a withdrawal the rules refuse; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = FIELD) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Upload:
    """A file that passed ``vet``: its stream, clean name, judged type and size."""

    stream: BinaryIO
    filename: str
    kind: Kind
    size: int


def max_bytes() -> int:
    return get_setting("document_max_megabytes") * MEGABYTE


def per_record() -> int:
    return get_setting("documents_per_record")


def request_limit() -> int:
    """The largest request a form with files may send: every file at its largest, and
    the form's text besides."""
    return max_bytes() * per_record() + 2 * MEGABYTE


def clean_filename(raw: str | None) -> str:
    """The name without folders, control or direction-changing characters, at most
    NAME_MAX characters with its extension kept."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"}).strip()
    name = name.lstrip(".") or "document"
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[: NAME_MAX - len(ext)] + ext
    return name


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def chosen(files: Iterable | None) -> list:
    """The files actually chosen: a form with none sends one empty, nameless part."""
    return [f for f in (files or ()) if f is not None and getattr(f, "filename", "")]


def vet(files: Iterable | None, *, already: int = 0) -> list[Upload]:
    """Each chosen file judged by its content and size; the first refusal raises,
    naming the file and why (SPEC 15)."""
    files = chosen(files)
    if not files:
        return []
    allowed = per_record()
    if already + len(files) > allowed:
        room = max(allowed - already, 0)
        raise DocumentError(
            f"Attach at most {allowed} documents to one record"
            + (f"; it has {already} already, so {room} more." if already else ".")
        )
    limit = max_bytes()
    uploads = []
    for storage in files:
        name = clean_filename(storage.filename)
        stream = storage.stream
        size = _size(stream)
        try:
            if size > limit:
                raise Refused(
                    f"it is larger than {limit // MEGABYTE} MB, the largest document "
                    "the portal takes"
                )
            kind = sniff(stream, name)
        except Refused as refusal:
            raise DocumentError(
                f"\u201c{name}\u201d was not attached: {refusal}. Nothing was saved; "
                "choose your files again."
            ) from refusal
        uploads.append(Upload(stream=stream, filename=name, kind=kind, size=size))
    return uploads


def count_on(
    *,
    question_id: int | None = None,
    kind: DocumentKind | None = None,
    message_id: int | None = None,
) -> int:
    stmt = select(func.count(Document.id))
    if question_id is not None:
        stmt = stmt.where(Document.question_id == question_id, Document.kind == kind)
    if message_id is not None:
        stmt = stmt.where(Document.message_id == message_id)
    return db.session.scalar(stmt) or 0


def store(
    uploads: Sequence[Upload],
    *,
    firm_id: int,
    kind,
    by: User,
    model: type[StoredFile] = Document,
    chunk_model: type[ChunkOf] = DocumentChunk,
    **record: int | None,
) -> list:
    """Write vetted files to the database beside their record, one chunk at a time.

    ``record`` names the record's column (``question_id=...``); ``model`` and
    ``chunk_model`` are the tables (FDA's internal files have their own).
    """
    documents = []
    for upload in uploads:
        document = model(
            firm_id=firm_id,
            kind=kind,
            filename=upload.filename,
            content_type=upload.kind.mime,
            size=upload.size,
            sha256="",
            chunk_count=0,
            uploaded_by_id=by.id,
            uploaded_at=utcnow(),
            **record,
        )
        db.session.add(document)
        db.session.flush()
        digest = hashlib.sha256()
        seq = 0
        upload.stream.seek(0)
        while data := upload.stream.read(CHUNK_SIZE):
            digest.update(data)
            # A Core insert: the bytes are not kept in the session's identity map.
            db.session.execute(
                insert(chunk_model),
                [{"firm_id": firm_id, "document_id": document.id, "seq": seq, "data": data}],
            )
            seq += 1
        document.sha256 = digest.hexdigest()
        document.chunk_count = seq
        audit.record(
            "document.upload",
            document,
            detail=f"{kind.value}; {upload.filename}; {upload.kind.label}; {upload.size} bytes; "
            f"sha256 {document.sha256}",
            actor=by,
        )
        documents.append(document)
    db.session.flush()
    return documents


def may_withdraw(document: StoredFile, person: User) -> bool:
    """FDA may withdraw any document; a firm user only their own firm's uploads."""
    if document.is_withdrawn:
        return False
    if person.is_fda:
        return True
    return (
        person.is_firm_user
        and person.firm_id == document.firm_id
        and not document.uploaded_by.is_fda
    )


def withdraw(document: StoredFile, *, reason: str | None, by: User) -> None:
    """Withdrawn, never deleted (SPEC 15): listed as withdrawn and no longer sent."""
    if document.is_withdrawn:
        raise DocumentError("This document is already withdrawn.", None)
    if not may_withdraw(document, by):
        raise DocumentError("Only FDA or the firm that attached it can withdraw it.", None)
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("Say why the document is withdrawn.", "reason")
    if len(reason) > REASON_MAX:
        raise DocumentError(f"Keep the reason to {REASON_MAX} characters.", "reason")
    document.withdrawn_at = utcnow()
    document.withdrawn_by_id = by.id
    document.withdrawn_reason = reason
    audit.record("document.withdraw", document, detail=f"{document.filename}: {reason}", actor=by)
    db.session.flush()


def note_download(document: StoredFile) -> None:
    """One audit event per download, written by the request's view log (one per request)."""
    audit.note_view(
        "document.download",
        document,
        detail=f"{document.filename}; {document.size} bytes; sha256 {document.sha256}",
    )
