"""Demo documents for `flask seed-demo`: the first firm's investigation report on its first
question, and a table FDA attached to its written answer, so `make run` shows both sides.
Runs after portal/questions/demo.py."""

from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.auth.models import Firm, User
from portal.documents import fda_internal, services
from portal.documents.models import DocumentKind
from portal.extensions import db
from portal.questions.models import Question, QuestionNote, QuestionStatus

STAFF = "staff@fda.example.gov"


def one_page_pdf(lines: list[str]) -> bytes:
    """A small, valid PDF of a page of text (Helvetica), with a correct cross-reference table."""
    text = " ".join(
        f"BT /F1 12 Tf 72 {720 - 18 * n} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET"
        for n, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(text) + text + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


REPORT = one_page_pdf(
    [
        "Northwind Pharmaceuticals - Investigation report INV-2026-014",
        "Deviation: residue found on filling line 2 after product changeover.",
        "Root cause: cleaning hold time exceeded (96 h against a validated 72 h).",
        "CAPA: hold time alarm in the batch record; retraining of line operators.",
    ]
)
LIMITS = (
    b"product,residue limit (ug/swab),basis\n"
    b"Product A,12.5,health-based exposure limit\n"
    b"Product B,8.0,health-based exposure limit\n"
)


def _attach(question: Question, data: bytes, name: str, kind: DocumentKind, by: User) -> None:
    upload = FileStorage(stream=io.BytesIO(data), filename=name)
    services.store(
        services.vet([upload]), firm_id=question.firm_id, kind=kind, by=by, question_id=question.id
    )


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    staff = people.get(STAFF)
    if staff is None or not firms:
        return
    questions = db.session.scalars(
        select(Question).where(Question.firm_id == firms[0].id).order_by(Question.id)
    ).all()
    if not questions:
        return
    first = questions[0]
    _attach(
        first, REPORT, "INV-2026-014 investigation report.pdf", DocumentKind.QUESTION, first.author
    )
    answered = next((q for q in questions if q.status == QuestionStatus.ANSWERED_IN_WRITING), None)
    if answered is not None:
        _attach(answered, LIMITS, "Residue limits FDA reviewed.csv", DocumentKind.ANSWER, staff)
    _internal(staff)


#: On FDA's internal note: never on a firm's page (tests/e2e/test_firm_canary_sweep.py).
INTERNAL_NAME = "FDA internal - audit trail CAPA history (Pangolin-4417).txt"


def _internal(staff: User) -> None:
    note = db.session.scalars(select(QuestionNote).order_by(QuestionNote.id)).first()
    if note is None:
        return
    upload = FileStorage(
        stream=io.BytesIO(b"Internal only: their 2023 audit-trail CAPA is still open.\n"),
        filename=INTERNAL_NAME,
    )
    services.store(
        services.vet([upload]),
        firm_id=note.firm_id,
        kind=fda_internal.InternalKind.QUESTION_NOTE,
        by=staff,
        model=fda_internal.InternalDocument,
        chunk_model=fda_internal.InternalDocumentChunk,
        question_note_id=note.id,
    )
