"""What a file is, judged by its content (SPEC 15): never by its name or declared type.

A name and a browser's ``Content-Type`` are whatever the sender chose; a portal that
trusted them would hand FDA staff a program named ``report.pdf``, or a web page that
runs script in the portal's origin. So each accepted type is recognised by its bytes:
magic numbers, and for Office files the zip's own table of parts, read without
extracting anything (a zip bomb is refused from its table alone).
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

READ_SIZE = 1024 * 1024
#: A document's zip with more parts than this is not an Office file anyone wrote by hand.
ZIP_MAX_ENTRIES = 2000
#: Uncompressed, all parts together: a 25 MB document never expands past this.
ZIP_MAX_TOTAL = 100 * 1024 * 1024
#: A part that expands more than this many times its stored size is bomb-like; small
#: parts (XML that compresses well) are exempt below ZIP_RATIO_FLOOR bytes.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 1024 * 1024
#: Markup that a browser would run as a page or an image with script, near a text's start.
MARKUP_SIGNS = ("<!doctype", "<html", "<script", "<svg", "<?xml")
MARKUP_WINDOW = 1024


@dataclass(frozen=True)
class Kind:
    #: Short name shown to people: PDF, DOCX, ...
    label: str
    #: The type a download is sent with.
    mime: str


PDF = Kind("PDF", "application/pdf")
PNG = Kind("PNG", "image/png")
JPEG = Kind("JPEG", "image/jpeg")
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PPTX = Kind("PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
CSV = Kind("CSV", "text/csv")
TXT = Kind("TXT", "text/plain")
KINDS = (PDF, DOCX, XLSX, PPTX, CSV, TXT, PNG, JPEG)
BY_MIME = {kind.mime: kind for kind in KINDS}
ACCEPTED_LABELS = ", ".join(kind.label for kind in KINDS)

_OFFICE_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


class Refused(ValueError):
    """The file is not one the portal accepts; the message names the reason."""


def _head(stream: BinaryIO, size: int = 8) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def _office(stream: BinaryIO) -> Kind:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise Refused("it looks like a damaged zip or Office file") from error
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_ENTRIES:
            raise Refused(f"it is an archive of more than {ZIP_MAX_ENTRIES:,} parts")
        total = 0
        for member in members:
            total += member.file_size
            expands = member.file_size / max(member.compress_size, 1)
            if member.file_size > ZIP_RATIO_FLOOR and expands > ZIP_MAX_RATIO:
                raise Refused("it expands to far more than its size (a \u201czip bomb\u201d)")
        if total > ZIP_MAX_TOTAL:
            raise Refused("it expands to more than 100 MB (a \u201czip bomb\u201d)")
        names = [member.filename for member in members]
    if "[Content_Types].xml" not in names:
        raise Refused("it is a zip archive, not a Word, Excel or PowerPoint file")
    for prefix, kind in _OFFICE_PARTS:
        if any(name.startswith(prefix) for name in names):
            return kind
    raise Refused("it is an Office file of a kind the portal does not take")


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    try:
        while chunk := stream.read(READ_SIZE):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _has_nul(stream: BinaryIO) -> bool:
    stream.seek(0)
    try:
        while chunk := stream.read(READ_SIZE):
            if b"\x00" in chunk:
                return True
    finally:
        stream.seek(0)
    return False


def _text(stream: BinaryIO, filename: str) -> Kind:
    if _has_nul(stream):
        raise Refused(f"it is not text nor one of the accepted types ({ACCEPTED_LABELS})")
    encoding = "utf-8-sig" if _decodes(stream, "utf-8-sig") else "cp1252"
    if encoding == "cp1252" and not _decodes(stream, "cp1252"):
        raise Refused("it is text in an encoding the portal cannot read (use UTF-8)")
    start = _head(stream, MARKUP_WINDOW * 4).decode(encoding, errors="replace")
    start = start.lstrip("\ufeff \t\r\n").lower()[:MARKUP_WINDOW]
    if any(sign in start for sign in MARKUP_SIGNS):
        raise Refused("it looks like a web page / SVG image, which could carry script")
    return CSV if filename.lower().endswith(".csv") else TXT


def sniff(stream: BinaryIO, filename: str) -> Kind:
    """The accepted type of the seekable ``stream``, or ``Refused`` saying why not.

    The name decides only between CSV and TXT, two names for the same bytes.
    """
    head = _head(stream)
    if not head:
        raise Refused("it is empty")
    if head.startswith((b"MZ", b"\x7fELF", b"#!")) or head[:4] in (
        b"\xca\xfe\xba\xbe",
        b"\xcf\xfa\xed\xfe",
        b"\xce\xfa\xed\xfe",
    ):
        raise Refused("it is a program, not a document")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office(stream)
    return _text(stream, filename)
