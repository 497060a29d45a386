"""Documents through the running portal (SPEC 15), seen from outside.

Under gunicorn, a firm lead attaches a PDF to a new question over HTTP; the test reads
the stored row (size, SHA-256) through its own database connection, downloads the file
as the firm and as FDA, and finds exactly one audit row per download; another firm gets
the same 404 as for a missing id; once withdrawn, the file is no longer sent.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from tests.e2e.test_firm_canary_sweep import OWN_FIRM

REPORT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n"
    + b"% investigation of deviation DEV-2291, lot 4471\n" * 40000
    + b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _open_meeting(page: str) -> str:
    options = re.findall(r'<option[^>]*value="([0-9a-f-]{36})"', page)
    assert options, "the demo's firm lead has a meeting still taking questions"
    return options[0]


def test_a_document_goes_up_and_comes_down_with_its_hash_and_one_audit_row_each(demo_db, visit):
    lead = visit("firm_admin@a")
    form = lead.get("/firm/questions/new")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    meeting = _open_meeting(form.text)
    response = lead.post(
        "/firm/questions/new",
        {
            "meeting": meeting,
            "subject": "Investigation of DEV-2291",
            "topic": "quality_system",
            "body": "Our investigation report is attached. Is the root cause adequate?",
        },
        files={"documents": ("DEV-2291 investigation r\u00e9sum\u00e9.pdf", REPORT, "text/html")},
    )
    assert response.status_code == 200 and "/firm/questions/" in response.url, response.text[:500]

    filename, size, digest, content_type, public_id, firm_name = demo_db.rows(
        "SELECT d.filename, d.size, d.sha256, d.content_type, d.public_id, f.name "
        "FROM document d JOIN firm f ON f.id = d.firm_id ORDER BY d.id DESC LIMIT 1"
    )[0]
    assert filename == "DEV-2291 investigation r\u00e9sum\u00e9.pdf" and firm_name == OWN_FIRM
    assert size == len(REPORT) and digest == hashlib.sha256(REPORT).hexdigest()
    # The type is what the bytes are, not what the browser said ("text/html" above).
    assert content_type == "application/pdf"
    document = str(uuid.UUID(str(public_id)))
    assert document in response.text

    for person, url in (
        (lead, f"/firm/documents/{document}"),
        (visit("fda_staff"), f"/documents/{document}"),
    ):
        before = demo_db.audit_mark()
        download = person.get(url, stream=True)
        body = b"".join(download.iter_content(64 * 1024))
        assert download.status_code == 200
        assert hashlib.sha256(body).hexdigest() == digest
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["Content-Length"] == str(len(REPORT))
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Cache-Control"] == "no-store"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="DEV-2291 investigation resume.pdf"')
        assert "filename*=UTF-8''DEV-2291%20investigation%20r%C3%A9sum%C3%A9.pdf" in disposition
        added = demo_db.audit_since(before)
        assert [(row.action, row.object_id) for row in added] == [("document.download", document)]

    other = visit("firm_admin@b")
    theirs = other.get(f"/firm/documents/{document}")
    missing = other.get(f"/firm/documents/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text.replace(document, "ID") == re.sub(r"[0-9a-f-]{36}", "ID", missing.text)

    lead.get(f"/firm/documents/{document}/withdraw")
    done = lead.post(
        f"/firm/documents/{document}/withdraw", {"reason": "Superseded by revision 2."}
    )
    assert done.status_code == 200 and "is withdrawn" in done.text
    assert demo_db.rows("SELECT withdrawn_reason FROM document ORDER BY id DESC LIMIT 1") == [
        ("Superseded by revision 2.",)
    ]
    assert lead.get(f"/firm/documents/{document}").status_code == 410
    assert visit("fda_staff").get(f"/documents/{document}").status_code == 410
