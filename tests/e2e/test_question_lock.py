"""SPEC 8 (issue 9 item 8) in the running portal: a question FDA has taken up stays as asked.

The firm asks over HTTP, FDA sets "under review" over HTTP, then the firm tries to
edit and withdraw it: refused, and the row, read through the test's own connection,
is unchanged. The firm then asks a follow-up, linked to the earlier question.
"""

from __future__ import annotations

import re
import uuid

MEETING_OPTION = re.compile(r'<option[^>]*value="([0-9a-f-]{36})"')
QUESTION_ROW = (
    "SELECT id, public_id, subject, topic, body_html, status, withdrawn_at, updated_at "
    "FROM question WHERE subject = :subject"
)


def _ask(firm, path: str, subject: str) -> None:
    form = firm.get(path)
    assert form.status_code == 200, form.text[:300]
    meeting = MEETING_OPTION.search(form.text)
    assert meeting, "the demo's upcoming meeting should be taking questions"
    response = firm.post(
        path,
        {
            "meeting": meeting.group(1),
            "subject": subject,
            "topic": "supply_chain",
            "body": "Does a second API site need a new stability study?",
        },
    )
    assert response.status_code == 200 and "/firm/questions/" in response.url, response.text[:300]


def test_the_firm_cannot_change_a_question_fda_took_up(visit, demo_db):
    subject = f"Stability after an API site change {uuid.uuid4().hex[:8]}"
    firm = visit("firm_admin@a")
    _ask(firm, "/firm/questions/new", subject)
    asked = demo_db.rows(QUESTION_ROW, subject=subject)[0]
    public_id = uuid.UUID(str(asked.public_id))

    fda = visit("fda_staff")
    fda.get(f"/questions/{public_id}")
    fda.post(f"/questions/{public_id}", {"status": "under_review", "response": ""})
    taken_up = demo_db.rows(QUESTION_ROW, subject=subject)[0]
    assert taken_up.status == "under_review"

    page = firm.get(f"/firm/questions/{public_id}")
    assert "Change the question" not in page.text
    assert f"/firm/questions/{public_id}/follow-up" in page.text

    mark = demo_db.audit_mark()
    edit = firm.post(
        f"/firm/questions/{public_id}/edit",
        {"subject": "Rewritten after FDA", "topic": "other", "body": "Something else entirely"},
    )
    withdraw = firm.post(f"/firm/questions/{public_id}/withdraw", {"submit": "Withdraw"})
    for refused in (edit, withdraw):
        assert refused.status_code == 200
        assert "FDA has begun work on this question" in refused.text
    assert demo_db.rows(QUESTION_ROW, subject=subject) == [taken_up]
    assert demo_db.rows(QUESTION_ROW, subject="Rewritten after FDA") == []
    assert (
        demo_db.scalar(
            "SELECT count(*) FROM question_revision WHERE question_id = :id", id=asked.id
        )
        == 0
    )
    changes = [event.action for event in demo_db.audit_since(mark)]
    assert "question.edit" not in changes and "question.withdraw" not in changes

    follow_up = f"{subject}: follow-up"
    _ask(firm, f"/firm/questions/{public_id}/follow-up", follow_up)
    linked = demo_db.scalar("SELECT follows_id FROM question WHERE subject = :s", s=follow_up)
    assert linked == asked.id
    assert follow_up in firm.get(f"/firm/questions/{public_id}").text
    assert follow_up in fda.get(f"/questions/{public_id}").text
