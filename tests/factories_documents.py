"""Tiny real files of each accepted type, and documents stored through the service."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from werkzeug.datastructures import FileStorage

from portal.auth.models import User
from portal.documents import services
from portal.documents.models import Document, DocumentKind
from portal.questions.models import Question

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def office(part: str) -> bytes:
    """A minimal Office Open XML zip: [Content_Types].xml and a part under ``part``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml")
PPTX = office("ppt/presentation.xml")
CSV = b"lot,result\nA1,pass\n"
TXT = "Deviation summary \u2014 r\u00e9sum\u00e9.\n".encode()


def zip_bomb(megabytes: int = 200) -> bytes:
    """A DOCX-shaped zip whose one member is ``megabytes`` of zeros, written a MB at a time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def document(
    question: Question,
    by: User,
    *,
    kind: DocumentKind = DocumentKind.QUESTION,
    data: bytes = PDF,
    name: str = "investigation-report.pdf",
) -> Document:
    [stored] = services.store(
        services.vet([upload(data, name)]),
        firm_id=question.firm_id,
        kind=kind,
        by=by,
        question_id=question.id,
    )
    return stored


def message_document(message, by: User, *, data: bytes = PDF, name: str = "batch-record.pdf"):
    [stored] = services.store(
        services.vet([upload(data, name)]),
        firm_id=message.firm_id,
        kind=DocumentKind.MESSAGE,
        by=by,
        message_id=message.id,
    )
    return stored


def record_document(version, by: User, *, data: bytes = PDF, name: str = "sampling-plan.pdf"):
    [stored] = services.store(
        services.vet([upload(data, name)]),
        firm_id=version.firm_id,
        kind=DocumentKind.MEETING_RECORD,
        by=by,
        record_version_id=version.id,
    )
    return stored


def evidence_document(event, by: User, *, data: bytes = PDF, name: str = "sop.pdf"):
    [stored] = services.store(
        services.vet([upload(data, name)]),
        firm_id=event.firm_id,
        kind=DocumentKind.EVIDENCE,
        by=by,
        evidence_event_id=event.id,
    )
    return stored


def internal_document(note, by: User, *, data: bytes = PDF, name: str = "fda-internal.pdf"):
    """A file on an FDA-internal note (an EngagementNote or a QuestionNote)."""
    from portal.documents import fda_internal
    from portal.messages.fda_notes import EngagementNote

    if isinstance(note, EngagementNote):
        kind, record = fda_internal.InternalKind.ENGAGEMENT_NOTE, {"engagement_note_id": note.id}
    else:
        kind, record = fda_internal.InternalKind.QUESTION_NOTE, {"question_note_id": note.id}
    [stored] = fda_internal._store(services.vet([upload(data, name)]), note, kind, by, **record)
    return stored
