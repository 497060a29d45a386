"""Issue 12 seen from outside the running server (gunicorn, production settings).

FDA's internal notes on questions never reach a firm: every GET page a firm user may
open is swept for the demo's note texts (read from the database, not listed here), and
so is every email in the outbox. A person's calendar feed is fetched with no session,
carries only their firm's meetings, is audited in their name (read through the test's
own connection) and stops when revoked.
"""

from __future__ import annotations

import html
import re
import uuid

from portal.sanitize import plain_text
from tests.e2e.test_firm_canary_sweep import OTHER_FIRM, OWN_FIRM, _firm_pages
from tests.e2e.test_view_audit import _record_ids


def _note_canaries(demo_db) -> set[str]:
    texts = set()
    for (body,) in demo_db.rows("SELECT body_html FROM question_note"):
        words = " ".join(plain_text(body).split())
        if len(words) >= 12:
            texts.add(words[:50])
    return texts


def test_no_firm_page_nor_email_shows_fdas_internal_notes(portal_app, demo_db, visit):
    canaries = _note_canaries(demo_db)
    assert canaries, "the demo has internal notes on a question"
    own = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OWN_FIRM)
    noted = demo_db.scalar(
        "SELECT q.public_id FROM question q JOIN question_note n ON n.question_id = q.id "
        "WHERE q.firm_id = :firm",
        firm=own,
    )
    assert noted, "the notes are on the firm's own question, so its pages are the test"
    noted = uuid.UUID(str(noted))
    pages = _firm_pages(portal_app, _record_ids(demo_db, own))
    noted_url = f"/firm/questions/{noted}"
    pages = sorted(set(pages) | {noted_url})
    leaks, opened = [], 0
    for role in ("firm_admin@a", "firm_staff@a"):
        person = visit(role)
        for url in pages:
            response = person.get(url)
            assert response.status_code < 500, url
            if url == noted_url:
                assert response.status_code == 200, "the firm sees its own question"
            opened += response.status_code == 200
            page = " ".join(html.unescape(response.text).split())
            leaks += [f"{role} {url}: {c!r}" for c in canaries if c in page]
    assert not leaks, "\n".join(leaks)
    assert opened >= 20
    for body_text, body_html in demo_db.rows("SELECT body_text, body_html FROM outbox_message"):
        mail = " ".join(html.unescape(f"{body_text} {body_html}").split())
        assert not [c for c in canaries if c in mail]
    # The sweep would have caught them: FDA's page of the question shows the notes.
    fda_page = visit("fda_staff").get(f"/questions/{noted}")
    assert any(c in " ".join(html.unescape(fda_page.text).split()) for c in canaries)


def test_a_calendar_feed_is_the_owners_own_audited_and_revocable(demo_db, visit, demo_people):
    person = visit("firm_admin@a")
    person.get("/account")
    issued = person.post("/account/calendar-feed")
    assert issued.status_code == 200
    token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", issued.text).group(1)
    meridian = {
        str(row[0]).replace("-", "")
        for row in demo_db.rows(
            "SELECT m.public_id FROM meeting m JOIN firm f ON f.id = m.firm_id WHERE f.name = :n",
            n=OTHER_FIRM,
        )
    }
    northwind = {
        str(row[0]).replace("-", "")
        for row in demo_db.rows(
            "SELECT m.public_id FROM meeting m JOIN firm f ON f.id = m.firm_id WHERE f.name = :n",
            n=OWN_FIRM,
        )
    }
    assert meridian and northwind

    calendar_program = visit()  # no session: a calendar program fetching the address
    mark = demo_db.audit_mark()
    fetched = calendar_program.get(f"/calendar/{token}.ics")
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"].startswith("text/calendar")
    uids = {uid.replace("-", "") for uid in re.findall(r"UID:([0-9a-f-]{36})", fetched.text)}
    assert uids & northwind and not uids & meridian
    events = demo_db.audit_since(mark)
    assert len(events) == 1, events
    action, _type, _object, actor_email, firm_id, detail = events[0]
    assert action == "calendar_feed.view"
    assert actor_email == demo_people["firm_admin@a"]["email"]
    assert firm_id == demo_db.scalar("SELECT id FROM firm WHERE name = :n", n=OWN_FIRM)
    assert token not in detail

    person.get("/account")
    person.post("/account/calendar-feed/revoke")
    mark = demo_db.audit_mark()
    gone = calendar_program.get(f"/calendar/{token}.ics")
    never = calendar_program.get(f"/calendar/{'z' * 43}.ics")
    assert gone.status_code == never.status_code == 404
    assert not [e for e in demo_db.audit_since(mark) if e[0] == "calendar_feed.view"]
