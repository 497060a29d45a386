"""Documents in a real browser (SPEC 15, issue 13): a firm lead attaches an investigation
report (a PDF) to a new question and sees each chosen file's name and size before sending;
FDA opens the question, downloads the report (the audit log has the download) and answers
with a document of its own; the firm sees and downloads the answer's document. Every page
passes axe (WCAG 2.1 A and AA)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents.models import Document, DocumentKind
from portal.extensions import db
from portal.questions.models import Question
from tests import factories
from tests import factories_documents as files
from tests.browser.helpers import assert_accessible, sign_in, sign_out

REPORT = files.PDF + b"% DEV-2291 root cause: hold time exceeded\n" * 50


def checked(page, label: str) -> None:
    page.wait_for_load_state()
    assert_accessible(page, label)


def test_a_report_goes_to_fda_and_fdas_answer_document_comes_back(
    page, firm_admin, fda_staff, firm_a
):
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    factories.meeting(engagement, scheduled_by=fda_staff)
    db.session.commit()

    # The firm lead asks a question with the investigation report attached.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto("/firm/questions/new")
    checked(page, "firm's question form with a file input")
    page.get_by_label("Subject").fill("Root cause of DEV-2291")
    page.get_by_role("combobox", name="CGMP topic").select_option(label="Quality system")
    page.get_by_role("textbox", name="Your question").fill(
        "Our investigation report is attached. Is the root cause adequately supported?"
    )
    page.get_by_label("Documents for FDA").set_input_files(
        [{"name": "DEV-2291 investigation.pdf", "mimeType": "application/pdf", "buffer": REPORT}]
    )
    chosen = page.locator("#documents-chosen")
    chosen.get_by_text("DEV-2291 investigation.pdf (3 KB)").wait_for()
    assert chosen.get_attribute("aria-live") == "polite"
    checked(page, "firm's question form with a file chosen")
    page.get_by_role("button", name="Send the question to FDA").click()
    page.get_by_role("link", name="DEV-2291 investigation.pdf", exact=True).wait_for()
    checked(page, "firm's question page with its document")
    question = db.session.scalars(select(Question)).one()
    sign_out(page)

    # FDA opens the question and downloads the report.
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto(f"/questions/{question.public_id}")
    checked(page, "FDA's question page with the firm's document")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="DEV-2291 investigation.pdf", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "DEV-2291 investigation.pdf"
    with open(download.path(), "rb") as saved:
        assert hashlib.sha256(saved.read()).hexdigest() == hashlib.sha256(REPORT).hexdigest()
    db.session.expire_all()
    report = db.session.scalars(select(Document)).one()
    downloads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.download")
    ).all()
    assert [(e.actor_id, e.object_id) for e in downloads] == [(fda_staff.id, str(report.public_id))]

    # FDA finds the question again by a word only its body holds, and opens it from the results.
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Words to find").fill("adequately")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    assert "1 result, newest first" in page.inner_text("main")
    assert page.locator("mark", has_text="adequately").count() == 1
    checked(page, "FDA's search results with the firm's question")
    page.get_by_role("link", name="Root cause of DEV-2291").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/questions/{question.public_id}")

    # FDA answers in writing, with a document.
    page.get_by_role("radio", name="Answered in writing").check()
    page.get_by_role("textbox", name="Written response").fill(
        "The root cause is supported; see our notes on the hold-time data."
    )
    page.get_by_label("Documents with the answer").set_input_files(
        [
            {
                "name": "FDA notes on hold times.txt",
                "mimeType": "text/plain",
                "buffer": b"Hold time data reviewed: 72 h validated, 96 h observed.\n",
            }
        ]
    )
    page.locator("#documents-chosen").get_by_text("FDA notes on hold times.txt (1 KB)").wait_for()
    checked(page, "FDA's answer form with a file chosen")
    page.get_by_role("button", name="Save and tell the firm when answered").click()
    page.wait_for_load_state()
    answer = db.session.scalars(select(Document).where(Document.kind == DocumentKind.ANSWER)).one()
    assert answer.content_type == "text/plain" and answer.uploaded_by_id == fda_staff.id
    sign_out(page)

    # The firm sees the answer's document and downloads it.
    sign_in(page, firm_admin, factories.PASSWORD)
    page.goto(f"/firm/questions/{question.public_id}")
    checked(page, "firm's question page with FDA's answer and its document")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="FDA notes on hold times.txt").click()
    with open(download_info.value.path(), "rb") as saved:
        assert saved.read() == b"Hold time data reviewed: 72 h validated, 96 h observed.\n"

    # The firm withdraws its own report; it stays listed, as withdrawn.
    page.get_by_role("link", name="Withdraw DEV-2291 investigation.pdf").click()
    checked(page, "firm's withdrawal confirmation")
    page.get_by_label("Why is it withdrawn?").fill("Superseded by revision 2.")
    page.get_by_role("button", name="Withdraw the document").click()
    page.get_by_text("is withdrawn; nobody can download it now").wait_for()
    assert page.get_by_role("link", name="DEV-2291 investigation.pdf", exact=True).count() == 0
    checked(page, "firm's question page with a withdrawn document")
    sign_out(page)
