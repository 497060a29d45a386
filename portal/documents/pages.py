"""What the FDA and firm document views share: the download response."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, request, stream_with_context
from flask_login import current_user

from portal.audit import services as audit
from portal.documents import queries, services
from portal.documents.forms import WithdrawDocumentForm
from portal.documents.models import ChunkOf, Document, DocumentChunk, DocumentKind, StoredFile
from portal.documents.services import MEGABYTE, max_bytes, per_record, request_limit
from portal.forms import show_error


def ascii_filename(name: str) -> str:
    """A fallback name for clients that do not read ``filename*``: plain ASCII, no quotes,
    no separators."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._ -]+", "_", folded).strip(" ._") or "document"
    return folded[:150]


def content_disposition(name: str) -> str:
    """``attachment`` with the real name as RFC 6266/5987 ``filename*`` and an ASCII fallback."""
    return (
        f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def download_response(document: StoredFile, chunk_model: type[ChunkOf] = DocumentChunk) -> Response:
    """The file, streamed a chunk at a time; never shown inline, never guessed at, never cached."""
    response = Response(
        stream_with_context(queries.content(document.id, document.chunk_count, chunk_model)),
        content_type=document.content_type,
        direct_passthrough=True,
    )
    response.headers["Content-Length"] = str(document.size)
    response.headers["Content-Disposition"] = content_disposition(document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def record_link(document: Document, *, firm: bool) -> tuple[str, dict]:
    """The endpoint and arguments of the page that lists ``document``, on the viewer's side."""
    if document.kind == DocumentKind.EVIDENCE:
        action = document.evidence_event.action
        endpoint = "firm_quality.detail" if firm else "quality.detail"
        return endpoint, {"quality_action_id": action.public_id, "_anchor": "history"}
    if document.kind == DocumentKind.MEETING_RECORD:
        version = document.record_version
        if firm:
            return "firm_minutes.record", {"meeting_record_version_id": version.public_id}
        return "minutes.record", {"meeting_id": version.meeting.public_id, "_anchor": "documents"}
    if document.kind == DocumentKind.MESSAGE:
        engagement = document.message.engagement
        endpoint = "firm_messages.thread" if firm else "messages.thread"
        return endpoint, {"engagement_id": engagement.public_id, "_anchor": "messages"}
    endpoint = "firm_questions.detail" if firm else "questions.detail"
    return endpoint, {"question_id": document.question.public_id, "_anchor": "question-documents"}


def limits() -> dict[str, int]:
    """What the file input's hint names: how many files, how large."""
    return {"per_record": per_record(), "megabytes": max_bytes() // MEGABYTE}


def allow_document_uploads() -> None:
    """A signed-in person's form with files may be as large as its files may be together
    (settings: size x count), instead of the portal's usual request limit.

    Runs before every other hook: the CSRF check reads the body, and the limit must be
    set before anything does. A request over it gets the friendly 413 page (portal.errors).
    """
    if (
        request.method == "POST"
        and request.mimetype == "multipart/form-data"
        and current_user.is_authenticated
    ):
        current = request.max_content_length or 0
        request.max_content_length = max(current, request_limit())


def withdrawal_form(document: StoredFile, *, by) -> WithdrawDocumentForm | None:
    """The withdrawal page's form, or None once ``document`` is withdrawn (the view commits)."""
    audit.record_view(document)
    form = WithdrawDocumentForm()
    if form.validate_on_submit():
        try:
            services.withdraw(document, reason=form.reason.data, by=by)
        except services.DocumentError as error:
            show_error(form, error)
        else:
            return None
    return form


def withdrawn_message(document: StoredFile) -> str:
    return f"\u201c{document.filename}\u201d is withdrawn; nobody can download it now."
