"""Engagement messages through the running portal (SPEC 14), seen from outside.

1. FDA writes an internal note with a distinctive text through the portal; the firm
   lead then opens every GET page a firm user may open, and no page shows any
   internal note (the new one, or the demo's), nor does any email in the outbox.
2. On a demo database of its own: the firm lead chooses the daily digest; FDA writes;
   `flask messages digest` runs twice and `flask mail send` twice against a real SMTP
   server (aiosmtpd): the lead gets one digest, the colleague one immediate notice,
   and no email quotes the message.
"""

from __future__ import annotations

import html
import uuid

import pytest

from tests.e2e import harness
from tests.e2e.smtp_servers import SmtpServer
from tests.e2e.test_firm_canary_sweep import OWN_FIRM, _firm_pages
from tests.e2e.test_view_audit import _record_ids

CANARY = "Okapi-canary-7731: FDA doubts the firm's stability data"


def _engagement(database, firm_name: str) -> str:
    value = database.scalar(
        "SELECT e.public_id FROM engagement e JOIN firm f ON f.id = e.firm_id WHERE f.name = :name",
        name=firm_name,
    )
    return str(uuid.UUID(str(value)))


def test_no_firm_page_or_email_shows_an_internal_note(portal_app, demo_db, visit):
    engagement = _engagement(demo_db, OWN_FIRM)
    fda = visit("fda_staff")
    thread = f"/engagements/{engagement}/messages"
    fda.get(thread)
    response = fda.post(f"{thread}/notes", {"note-body": CANARY})
    assert response.status_code == 200 and CANARY in html.unescape(response.text)

    notes = [
        " ".join(body.split())[:50] for (body,) in demo_db.rows("SELECT body FROM engagement_note")
    ]
    assert len(notes) >= 3 and any("Okapi-canary" in note for note in notes)
    own = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OWN_FIRM)
    pages = _firm_pages(portal_app, _record_ids(demo_db, own))
    assert f"/firm/engagements/{engagement}/messages" in pages

    lead = visit("firm_admin@a")
    leaks, opened = [], 0
    for url in pages:
        response = lead.get(url, allow_redirects=True)
        assert response.status_code < 500, url
        opened += response.status_code == 200
        text = " ".join(html.unescape(response.text).split())
        leaks += [f"{url}: {note!r}" for note in notes if note in text]
    assert not leaks, "\n".join(leaks)
    assert opened >= 10
    # The firm's own thread did render: its messages are there, the notes are not.
    page = html.unescape(lead.get(f"/firm/engagements/{engagement}/messages").text)
    assert "Protocol VP-0231 is in draft" in page

    for subject, text_body, html_body in demo_db.rows(
        "SELECT subject, body_text, body_html FROM outbox_message"
    ):
        assert not any(note in f"{subject} {text_body} {html_body}" for note in notes)


@pytest.fixture(scope="module")
def own_demo(make_demo_database, start_portal):
    database = make_demo_database("messages")
    return database, start_portal(database, workers=1)


def test_digest_and_immediate_notices_each_reach_their_person_once(own_demo, visit):
    database, server = own_demo
    people = harness.demo_people()
    lead_email = people["firm_admin@a"]["email"]
    colleague_email = people["firm_staff@a"]["email"]
    engagement = _engagement(database, OWN_FIRM)
    database.execute("DELETE FROM outbox_message")

    lead = visit("firm_admin@a", server=server, database=database)
    lead.get("/account/message-notices")
    assert lead.post("/account/message-notices", {"mode": "digest"}).status_code == 200

    secret = "Batch 88-K retest shows the same out-of-trend assay"
    fda = visit("fda_staff", server=server, database=database)
    fda.get(f"/engagements/{engagement}/messages")
    response = fda.post(f"/engagements/{engagement}/messages", {"body": secret})
    assert response.status_code == 200 and secret in html.unescape(response.text)

    runs = [harness.flask_command(database.url, "messages", "digest") for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "1 digest queued" in runs[0].stdout and "0 digests queued" in runs[1].stdout

    with SmtpServer() as smtp:
        for _ in range(2):
            sent = harness.flask_command(
                database.url,
                "mail",
                "send",
                env={"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port)},
            )
            assert sent.returncode == 0, sent.stderr
        received = smtp.received
    by_person: dict[str, list[str]] = {}
    for item in received:
        body = item.message.get_body(preferencelist=("plain",)).get_content()
        assert secret not in body and secret not in str(item.message["Subject"])
        for address in item.recipients:
            by_person.setdefault(address, []).append(" ".join(str(item.message["Subject"]).split()))
    assert by_person.get(lead_email) == ["New messages in your Site Engagement Program engagements"]
    assert len(by_person.get(colleague_email, [])) == 1
    assert by_person[colleague_email][0].startswith("New message: engagement with")
