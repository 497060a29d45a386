"""Documents on questions and FDA's answers (SPEC 15): judged by content, stored in the
database, downloaded through the record's scoped read path, withdrawn, never deleted."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.audit.models import AuditEvent
from portal.documents import services
from portal.documents.models import Document, DocumentChunk, DocumentKind
from portal.extensions import db
from portal.program.models import ProgramSetting
from portal.questions.models import Question, QuestionStatus
from portal.timeutil import utcnow
from tests import factories
from tests import factories_documents as files


@pytest.fixture
def meeting(app, firm_a, fda_staff):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    created = factories.meeting(engagement, scheduled_by=fda_staff)
    db.session.commit()
    return created


def _setting(key: str, value: int) -> None:
    db.session.merge(ProgramSetting(key=key, value=str(value), updated_at=utcnow()))
    db.session.commit()


def _ask(client, meeting, attachments, **fields):
    data = {
        "meeting": str(meeting.public_id),
        "subject": "Hold times",
        "topic": "production_process",
        "body": "What supports our hold times?",
        **fields,
        "documents": [(io.BytesIO(content), name) for content, name in attachments],
    }
    return _post_multipart(client, "/firm/questions/new", data)


def _post_multipart(client, url: str, data: dict):
    """Encoded in memory: the test client would spool a large body to a temporary file
    it never closes (a ResourceWarning, an error under pytest)."""
    boundary, body = encode_multipart(MultiDict(_fields(data)))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _fields(data: dict):
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                stream, name = item
                yield key, FileStorage(stream=stream, filename=name)
            else:
                yield key, item


def _download_url(document: Document, *, firm: bool) -> str:
    return f"{'/firm' if firm else ''}/documents/{document.public_id}"


ACCEPTED = [
    (files.PDF, "report.pdf", "application/pdf"),
    (files.png(), "photo.png", "image/png"),
    (files.JPEG, "photo.jpg", "image/jpeg"),
    (
        files.DOCX,
        "capa.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (files.XLSX, "trend.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        files.PPTX,
        "slides.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (files.CSV, "results.csv", "text/csv"),
    (files.TXT, "summary.txt", "text/plain"),
    ("\ufeffr\u00e9sum\u00e9".encode(), "bom.txt", "text/plain"),
    ("caf\u00e9 \u20ac 5".encode("cp1252"), "legacy.txt", "text/plain"),
]


@pytest.mark.parametrize(("content", "name", "mime"), ACCEPTED)
def test_each_accepted_type_is_recognised_by_its_content(app, content, name, mime):
    [upload] = services.vet([files.upload(content, name)])
    assert upload.kind.mime == mime
    assert upload.size == len(content)


def test_a_firm_attaches_every_accepted_type_to_a_question(meeting, firm_staff, sign_in, no_csrf):
    client = sign_in(firm_staff)
    attachments = [(content, name) for content, name, _ in ACCEPTED[:8]]
    response = _ask(client, meeting, attachments)
    assert response.status_code == 302, response.get_data(as_text=True)
    question = db.session.scalars(select(Question)).one()
    stored = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.filename for d in stored] == [name for _, name in attachments]
    assert [d.content_type for d in stored] == [mime for _, _, mime in ACCEPTED[:8]]
    for document, (content, _) in zip(stored, attachments, strict=True):
        assert document.question_id == question.id and document.kind == DocumentKind.QUESTION
        assert document.size == len(content)
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        assert document.uploaded_by_id == firm_staff.id
    page = client.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    for _, name in attachments:
        assert name in page


REFUSED = [
    (b"MZ\x90\x00" + b"\x00" * 60, "report.pdf", "a program, not a document"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 9, "data.csv", "a program, not a document"),
    (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "a program, not a document"),
    (b"<!DOCTYPE html><html><body>Hi</body></html>", "notes.txt", "looks like a web page"),
    (b"  <html><script>alert(1)</script>", "readme.txt", "looks like a web page"),
    (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>",
        "chart.txt",
        "SVG image, which could carry script",
    ),
    (b'<svg onload="alert(1)"/>', "logo.csv", "SVG image"),
    (b"", "empty.pdf", "it is empty"),
    (b"plain\x00binary", "blob.txt", "not text"),
    (b"PK\x03\x04garbage", "broken.docx", "damaged zip"),
]


@pytest.mark.parametrize(("content", "name", "reason"), REFUSED)
def test_files_that_are_not_accepted_documents_are_refused_naming_why(app, content, name, reason):
    with pytest.raises(services.DocumentError) as refusal:
        services.vet([files.upload(content, name)])
    assert reason in str(refusal.value)
    assert f"\u201c{name}\u201d was not attached" in str(refusal.value)


def test_a_zip_bomb_shaped_like_a_docx_is_refused_from_its_table(app):
    bomb = files.zip_bomb(200)
    assert len(bomb) < 1024 * 1024  # 200 MB of zeros, stored in well under a megabyte
    with pytest.raises(services.DocumentError, match="zip bomb"):
        services.vet([files.upload(bomb, "capa.docx")])


def test_a_plain_zip_is_not_an_office_file(app):
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(services.DocumentError, match="zip archive, not a Word"):
        services.vet([files.upload(buffer.getvalue(), "archive.docx")])


def test_an_oversize_file_is_refused_naming_the_limit(app):
    _setting("document_max_megabytes", 1)
    content = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    with pytest.raises(services.DocumentError, match="larger than 1 MB"):
        services.vet([files.upload(content, "big.pdf")])
    [upload] = services.vet([files.upload(content[: 1024 * 1024], "fits.pdf")])
    assert upload.size == 1024 * 1024


def test_too_many_files_for_one_record_are_refused(app):
    _setting("documents_per_record", 2)
    three = [files.upload(files.PDF, f"r{n}.pdf") for n in range(3)]
    with pytest.raises(services.DocumentError, match="at most 2 documents"):
        services.vet(three)
    with pytest.raises(services.DocumentError, match="it has 1 already"):
        services.vet(three[:2], already=1)


def test_a_refused_file_keeps_the_rest_of_the_form_and_saves_nothing(
    meeting, firm_staff, sign_in, no_csrf
):
    client = sign_in(firm_staff)
    response = _ask(
        client,
        meeting,
        [(files.PDF, "fine.pdf"), (b"MZ\x90\x00", "report.pdf")],
        subject="Our cleaning hold time",
        body="Is 72 hours supported by the data we attach?",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "\u201creport.pdf\u201d was not attached: it is a program, not a document" in page
    assert 'value="Our cleaning hold time"' in page
    assert "Is 72 hours supported by the data we attach?" in page
    assert db.session.scalar(select(func.count(Question.id))) == 0
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert db.session.scalar(select(func.count(DocumentChunk.id))) == 0


def test_a_request_larger_than_the_files_may_be_gets_a_friendly_page(
    meeting, firm_staff, sign_in, no_csrf
):
    """Files of 1 MB, one per record: a request is held to the portal's usual 10 MB."""
    _setting("document_max_megabytes", 1)
    _setting("documents_per_record", 1)
    client = sign_in(firm_staff)
    response = _ask(client, meeting, [(b"%PDF-" + b"0" * (11 * 1024 * 1024), "huge.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "10 MB in one sending" in page and "Nothing was saved" in page
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_a_larger_request_than_the_portal_default_is_taken_for_documents(
    meeting, firm_staff, sign_in, no_csrf, app
):
    """Two 8 MB files pass although the portal's usual request limit is 10 MB."""
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    client = sign_in(firm_staff)
    big = b"%PDF-1.7\n" + b"1" * (8 * 1024 * 1024)
    response = _ask(client, meeting, [(big, "a.pdf"), (big, "b.pdf")])
    assert response.status_code == 302
    stored = db.session.scalars(select(Document)).all()
    assert [d.chunk_count for d in stored] == [9, 9]
    assert all(d.sha256 == hashlib.sha256(big).hexdigest() for d in stored)


# --- downloads -------------------------------------------------------------------------------


@pytest.fixture
def asked(meeting, firm_staff):
    question = factories.question(meeting, firm_staff)
    document = files.document(question, firm_staff, name='Bericht \u00fcber "CAPA" 7.pdf')
    db.session.commit()
    return question, document


def test_a_download_is_an_attachment_of_the_sniffed_type_never_cached_and_audited(
    asked, firm_staff, fda_staff, sign_in
):
    question, document = asked
    for person, firm in ((firm_staff, True), (fda_staff, False)):
        client = sign_in(person)
        response = client.get(_download_url(document, firm=firm))
        assert response.status_code == 200
        assert response.get_data() == files.PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Length"] == str(len(files.PDF))
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="Bericht uber _CAPA_ 7.pdf"; '
            "filename*=UTF-8''Bericht%20%C3%BCber%20%22CAPA%22%207.pdf"
        )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == str(document.public_id))
    ).all()
    downloads = [e for e in events if e.action == "document.download"]
    assert [e.actor_id for e in downloads] == [firm_staff.id, fda_staff.id]
    assert all(document.sha256 in e.detail for e in downloads)
    assert len(events) == 3  # the upload and two downloads, no extra page views


def _without_ids(response) -> str:
    """The page, with the asked-for id (it echoes the address) and per-request tokens blanked."""
    text = response.get_data(as_text=True)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
    return re.sub(r'nonce="[^"]*"', "", text)


def test_another_firms_document_answers_exactly_like_a_missing_one(
    asked, other_firm_admin, sign_in
):
    _, document = asked
    client = sign_in(other_firm_admin)
    theirs = client.get(f"/firm/documents/{document.public_id}")
    missing = client.get(f"/firm/documents/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    assert _without_ids(theirs) == _without_ids(missing)
    assert client.get(f"/firm/documents/{document.public_id}/withdraw").status_code == 404
    assert client.get(f"/documents/{document.public_id}").status_code == 404


def test_content_is_read_a_chunk_at_a_time(asked, fda_staff, sign_in, count_queries):
    """A 3 MiB document is three chunk rows, sent by three reads, one chunk each."""
    question, _ = asked
    content = b"%PDF-1.5\n" + bytes(range(256)) * (3 * 4096)
    big = files.document(question, fda_staff, data=content[: 3 * 1024 * 1024], name="big.pdf")
    db.session.commit()
    rows = db.session.scalars(
        select(func.length(DocumentChunk.data)).where(DocumentChunk.document_id == big.id)
    ).all()
    assert rows == [1024 * 1024] * 3
    client = sign_in(fda_staff)
    response = client.get(f"/documents/{big.public_id}")
    assert response.is_streamed
    assert hashlib.sha256(response.get_data()).hexdigest() == big.sha256


# --- FDA's answer ----------------------------------------------------------------------------


def _answer(client, question, status: QuestionStatus, response: str, attachments):
    return _post_multipart(
        client,
        f"/questions/{question.public_id}",
        {
            "status": status.value,
            "response": response,
            "documents": [(io.BytesIO(content), name) for content, name in attachments],
        },
    )


def test_an_answers_documents_reach_the_firm_only_with_the_answer(
    asked, fda_staff, firm_staff, sign_in, no_csrf
):
    question, _ = asked
    fda = sign_in(fda_staff)
    response = _answer(fda, question, QuestionStatus.UNDER_REVIEW, "", [(files.XLSX, "trend.xlsx")])
    assert response.status_code == 302
    answer_doc = db.session.scalars(
        select(Document).where(Document.kind == DocumentKind.ANSWER)
    ).one()
    assert "trend.xlsx" in fda.get(f"/questions/{question.public_id}").get_data(as_text=True)

    firm = sign_in(firm_staff)
    assert "trend.xlsx" not in firm.get(f"/firm/questions/{question.public_id}").get_data(
        as_text=True
    )
    assert firm.get(f"/firm/documents/{answer_doc.public_id}").status_code == 404

    fda = sign_in(fda_staff)
    _answer(fda, question, QuestionStatus.ANSWERED_IN_WRITING, "See the trend.", [])
    firm = sign_in(firm_staff)
    page = firm.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "trend.xlsx" in page and "attached by FDA" in page
    assert fda_staff.full_name not in page
    assert firm.get(f"/firm/documents/{answer_doc.public_id}").get_data() == files.XLSX


def test_a_refused_answer_document_keeps_the_written_answer(asked, fda_staff, sign_in, no_csrf):
    question, _ = asked
    client = sign_in(fda_staff)
    response = _answer(
        client,
        question,
        QuestionStatus.ANSWERED_IN_WRITING,
        "Our considered answer.",
        [(b"<html>x</html>", "answer.txt")],
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "looks like a web page" in page and "Our considered answer." in page
    db.session.refresh(question)
    assert question.status == QuestionStatus.RECEIVED and question.response_html == ""


# --- withdrawal ------------------------------------------------------------------------------


def test_the_uploaders_firm_withdraws_with_a_reason_and_it_is_never_sent_again(
    asked, firm_staff, fda_staff, sign_in, no_csrf
):
    question, document = asked
    firm = sign_in(firm_staff)
    confirm = firm.get(f"/firm/documents/{document.public_id}/withdraw")
    assert confirm.status_code == 200 and "Why is it withdrawn?" in confirm.get_data(as_text=True)
    refused = firm.post(f"/firm/documents/{document.public_id}/withdraw", data={"reason": " "})
    assert "Say why the document is withdrawn." in refused.get_data(as_text=True)
    done = firm.post(
        f"/firm/documents/{document.public_id}/withdraw", data={"reason": "Wrong lot's report."}
    )
    assert done.status_code == 302
    db.session.refresh(document)
    assert document.withdrawn_at is not None and document.withdrawn_by_id == firm_staff.id
    assert db.session.scalar(
        select(func.count(DocumentChunk.id)).where(DocumentChunk.document_id == document.id)
    ), "withdrawn, not deleted"
    gone = firm.get(f"/firm/documents/{document.public_id}")
    assert gone.status_code == 410 and "was withdrawn" in gone.get_data(as_text=True)
    page = firm.get(f"/firm/questions/{question.public_id}").get_data(as_text=True)
    assert "withdrawn" in page and f'/firm/documents/{document.public_id}"' not in page

    fda = sign_in(fda_staff)
    assert fda.get(f"/documents/{document.public_id}").status_code == 410
    page = fda.get(f"/questions/{question.public_id}").get_data(as_text=True)
    assert "withdrawn" in page and "Wrong lot&#39;s report." in page
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "document.withdraw")
        )
        == 1
    )


def test_a_firm_cannot_withdraw_what_fda_attached_but_fda_can_withdraw_anything(
    asked, firm_staff, fda_staff, sign_in, no_csrf
):
    question, firm_doc = asked
    question.status = QuestionStatus.ANSWERED_IN_WRITING
    question.response_html = "<p>Answered.</p>"
    fda_doc = files.document(question, fda_staff, kind=DocumentKind.ANSWER, name="answer.pdf")
    db.session.commit()
    firm = sign_in(firm_staff)
    firm.post(f"/firm/documents/{fda_doc.public_id}/withdraw", data={"reason": "No"})
    db.session.refresh(fda_doc)
    assert fda_doc.withdrawn_at is None
    fda = sign_in(fda_staff)
    fda.post(f"/documents/{firm_doc.public_id}/withdraw", data={"reason": "Personal data."})
    db.session.refresh(firm_doc)
    assert firm_doc.withdrawn_by_id == fda_staff.id


# --- messages --------------------------------------------------------------------------------


def test_documents_go_with_a_message_both_ways_and_stay_in_their_firm(
    meeting, firm_staff, fda_staff, other_firm_admin, sign_in, no_csrf
):
    engagement = meeting.engagement
    firm = sign_in(firm_staff)
    thread = f"/firm/engagements/{engagement.public_id}/messages"
    assert 'enctype="multipart/form-data"' in firm.get(thread).get_data(as_text=True)
    refused = _post_multipart(
        firm,
        thread,
        {"body": "Batch record attached.", "documents": [(io.BytesIO(b"MZ"), "x.pdf")]},
    )
    assert "a program, not a document" in refused.get_data(as_text=True)
    assert "Batch record attached." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    sent = _post_multipart(
        firm,
        thread,
        {"body": "Batch record attached.", "documents": [(io.BytesIO(files.PDF), "BR-17.pdf")]},
    )
    assert sent.status_code == 302
    document = db.session.scalars(select(Document)).one()
    assert document.kind == DocumentKind.MESSAGE and document.message_id is not None
    assert "BR-17.pdf" in firm.get(thread).get_data(as_text=True)

    fda = sign_in(fda_staff)
    page = fda.get(f"/engagements/{engagement.public_id}/messages").get_data(as_text=True)
    assert f'href="/documents/{document.public_id}"' in page
    assert fda.get(f"/documents/{document.public_id}").get_data() == files.PDF

    other = sign_in(other_firm_admin)
    assert other.get(f"/firm/documents/{document.public_id}").status_code == 404


def test_a_thread_lists_its_messages_documents_in_a_fixed_number_of_queries(
    meeting, firm_staff, firm_admin, fda_staff, sign_in, count_queries
):
    from tests import factories_messages

    engagement = meeting.engagement
    # Each viewer has written already: their user row comes with the thread's authors
    # before and after, as it does in a real exchange.
    for person in (firm_staff, fda_staff):
        first = factories_messages.message(engagement, person, "First.")
        files.message_document(first, person)
    db.session.commit()
    urls = {
        firm_staff: f"/firm/engagements/{engagement.public_id}/messages",
        fda_staff: f"/engagements/{engagement.public_id}/messages",
    }

    def counts() -> dict:
        found = {}
        for person, url in urls.items():
            client = sign_in(person)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            found[person.id] = counter.count
        return found

    before = counts()
    for number, person in enumerate([firm_admin, fda_staff, firm_staff, fda_staff]):
        message = factories_messages.message(engagement, person, f"Message {number}.")
        for copy in range(2):
            files.message_document(message, person, name=f"m{number}-{copy}.pdf")
    db.session.commit()
    assert counts() == before


# --- meeting records -------------------------------------------------------------------------


def test_a_records_documents_reach_the_firm_with_the_version_they_were_published_with(
    firm_a, firm_admin, fda_staff, sign_in, no_csrf
):
    from datetime import timedelta

    from portal.meetings.models import MeetingStatus
    from portal.minutes.models import MeetingRecordVersion
    from tests import factories_minutes

    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    held = factories.meeting(
        engagement,
        starts_at=utcnow() - timedelta(days=2),
        status=MeetingStatus.HELD,
        held_at=utcnow() - timedelta(days=2),
        scheduled_by=fda_staff,
    )
    minutes = factories_minutes.published_record(held, fda_staff)
    db.session.commit()

    fda = sign_in(fda_staff)
    record_page = f"/meetings/{held.public_id}/record"
    assert 'enctype="multipart/form-data"' in fda.get(record_page).get_data(as_text=True)
    # A revision without a note is refused, and no file is kept.
    refused = _post_multipart(
        fda,
        f"{record_page}/publish",
        {"note": "", "documents": [(io.BytesIO(files.PDF), "sampling-plan.pdf")]},
    )
    assert "Say what changed and why" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    published = _post_multipart(
        fda,
        f"{record_page}/publish",
        {
            "note": "Added the sampling plan we discussed.",
            "documents": [(io.BytesIO(files.PDF), "sampling-plan.pdf")],
        },
    )
    assert published.status_code == 302
    document = db.session.scalars(select(Document)).one()
    version_two = db.session.scalars(
        select(MeetingRecordVersion).where(MeetingRecordVersion.number == 2)
    ).one()
    assert document.kind == DocumentKind.MEETING_RECORD
    assert document.record_version_id == version_two.id
    assert "sampling-plan.pdf" in fda.get(record_page).get_data(as_text=True)

    firm = sign_in(firm_admin)
    first = firm.get(f"/firm/meeting-records/{minutes.version.public_id}").get_data(as_text=True)
    assert "sampling-plan.pdf" not in first
    second = firm.get(f"/firm/meeting-records/{version_two.public_id}").get_data(as_text=True)
    assert f'href="/firm/documents/{document.public_id}"' in second
    assert firm.get(f"/firm/documents/{document.public_id}").get_data() == files.PDF


# --- quality-action evidence -----------------------------------------------------------------


def test_evidence_carries_documents_fda_reads_and_a_refusal_keeps_the_note(
    meeting, firm_staff, fda_staff, sign_in, no_csrf
):
    from portal.quality.models import QualityActionEvent

    action = factories.quality_action(meeting.engagement, firm_staff)
    db.session.commit()
    firm = sign_in(firm_staff)
    url = f"/firm/quality-actions/{action.public_id}/evidence"
    today = utcnow().date().isoformat()
    refused = _post_multipart(
        firm,
        url,
        {
            "evidence_date": today,
            "note": "SOP-QA-014 revision 3 took effect.",
            "documents": [(io.BytesIO(b"<svg onload=alert(1)>"), "sop.txt")],
        },
    )
    page = refused.get_data(as_text=True)
    assert "could carry script" in page and "SOP-QA-014 revision 3 took effect." in page
    assert (
        db.session.scalar(
            select(func.count(QualityActionEvent.id)).where(QualityActionEvent.kind == "evidence")
        )
        == 0
    )
    added = _post_multipart(
        firm,
        url,
        {
            "evidence_date": today,
            "note": "SOP-QA-014 revision 3 took effect.",
            "documents": [(io.BytesIO(files.DOCX), "SOP-QA-014 r3.docx")],
        },
    )
    assert added.status_code == 302
    document = db.session.scalars(select(Document)).one()
    assert document.kind == DocumentKind.EVIDENCE and document.evidence_event_id is not None
    assert "SOP-QA-014 r3.docx" in firm.get(f"/firm/quality-actions/{action.public_id}").get_data(
        as_text=True
    )

    fda = sign_in(fda_staff)
    page = fda.get(f"/quality-actions/{action.public_id}").get_data(as_text=True)
    assert f'href="/documents/{document.public_id}"' in page
    response = fda.get(f"/documents/{document.public_id}")
    assert response.get_data() == files.DOCX
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )


# --- FDA's internal notes --------------------------------------------------------------------


def test_files_on_fdas_internal_notes_never_reach_a_firm(
    meeting, firm_admin, fda_staff, sign_in, no_csrf
):
    from portal.documents.fda_internal import InternalDocument, InternalDocumentChunk
    from portal.security import tenancy

    engagement = meeting.engagement
    question = factories.question(meeting, firm_admin)
    db.session.commit()
    fda = sign_in(fda_staff)
    thread = f"/engagements/{engagement.public_id}/messages"
    sent = _post_multipart(
        fda,
        f"{thread}/notes",
        {
            "note-body": "Their CAPA is late again.",
            "note-documents": [(io.BytesIO(files.PDF), "internal-capa-review.pdf")],
        },
    )
    assert sent.status_code == 302
    noted = _post_multipart(
        fda,
        f"/questions/{question.public_id}/notes",
        {
            "body": "Ask the reviewer.",
            "note_documents": [(io.BytesIO(files.TXT), "reviewer-notes.txt")],
        },
    )
    assert noted.status_code == 302
    internal = db.session.scalars(select(InternalDocument).order_by(InternalDocument.id)).all()
    assert [d.filename for d in internal] == ["internal-capa-review.pdf", "reviewer-notes.txt"]
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert "internal-capa-review.pdf" in fda.get(thread).get_data(as_text=True)
    assert "reviewer-notes.txt" in fda.get(f"/questions/{question.public_id}").get_data(
        as_text=True
    )
    assert fda.get(f"/documents/internal/{internal[0].public_id}").get_data() == files.PDF

    firm = sign_in(firm_admin)
    for document in internal:
        assert firm.get(f"/firm/documents/{document.public_id}").status_code == 404
        assert firm.get(f"/documents/internal/{document.public_id}").status_code == 404
    for page in (
        f"/firm/engagements/{engagement.public_id}/messages",
        f"/firm/questions/{question.public_id}",
    ):
        text = firm.get(page).get_data(as_text=True)
        assert "internal-capa-review.pdf" not in text and "reviewer-notes.txt" not in text

    # Structural: under the firm's own scope the session reads none of the rows.
    tenancy.firm_scope(db.session, firm_admin.firm_id)
    try:
        assert db.session.scalars(select(InternalDocument)).all() == []
        assert db.session.scalars(select(InternalDocumentChunk)).all() == []
    finally:
        tenancy.declare(db.session, None)


def test_a_refused_file_on_an_internal_note_keeps_the_note(meeting, fda_staff, sign_in, no_csrf):
    fda = sign_in(fda_staff)
    thread = f"/engagements/{meeting.engagement.public_id}/messages"
    refused = _post_multipart(
        fda,
        f"{thread}/notes",
        {"note-body": "Keep this text.", "note-documents": [(io.BytesIO(b"MZ"), "x.pdf")]},
    )
    page = refused.get_data(as_text=True)
    assert "a program, not a document" in page and "Keep this text." in page
