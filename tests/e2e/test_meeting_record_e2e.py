"""The meeting record (SPEC 7a) through the running portal, seen from outside.

FDA records a meeting held outside the portal and writes its record with a distinctive
text; while it is a draft, the firm lead opens every GET page a firm user may open
(ids from the firm's own records, the demo's published record included) and none shows
it. FDA publishes; the firm's meeting page then links to the record, which shows the
text, and no email in the outbox quotes it.
"""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

from portal.timeutil import utcnow
from tests.e2e.test_firm_canary_sweep import OWN_FIRM, _firm_pages
from tests.e2e.test_view_audit import _record_ids

CANARY = "Quokka-canary-4471: minutes FDA has not published"


def _engagement(database, firm_name: str) -> str:
    value = database.scalar(
        "SELECT e.public_id FROM engagement e JOIN firm f ON f.id = e.firm_id "
        "WHERE f.name = :name ORDER BY e.id LIMIT 1",
        name=firm_name,
    )
    return str(uuid.UUID(str(value)))


def _text(response) -> str:
    return " ".join(html.unescape(response.text).split())


def test_a_draft_is_on_no_firm_page_and_the_published_record_is(portal_app, demo_db, visit):
    engagement = _engagement(demo_db, OWN_FIRM)
    fda = visit("fda_staff")
    last_week = (utcnow() - timedelta(days=7)).date().isoformat()
    response = fda.post(
        f"/meetings/past/{engagement}",
        {
            "start_date": last_week,
            "start_time": "09:30",
            "timezone": "America/New_York",
            "duration_minutes": "45",
            "mode": "teleconference",
        },
    )
    assert response.status_code == 200 and "Now write its record" in _text(response)
    record_url = re.search(r"/meetings/[0-9a-f-]{36}/record", response.url).group(0)
    meeting = record_url.split("/")[2]
    response = fda.post(record_url, {"summary": CANARY, "outcomes": "Agreed."})
    assert response.status_code == 200 and "Draft saved" in _text(response)

    own = demo_db.scalar("SELECT id FROM firm WHERE name = :name", name=OWN_FIRM)
    pages = _firm_pages(portal_app, _record_ids(demo_db, own))
    assert any(page.startswith("/firm/meeting-records/") for page in pages)
    pages.append(f"/firm/meetings/{meeting}")
    lead = visit("firm_admin@a")
    leaks, opened = [], 0
    for url in pages:
        response = lead.get(url, allow_redirects=True)
        assert response.status_code < 500, url
        opened += response.status_code == 200
        if CANARY in _text(response):
            leaks.append(url)
    assert not leaks, leaks
    assert opened >= 10

    fda.get(record_url)
    response = fda.post(f"{record_url}/publish", {"note": ""})
    assert response.status_code == 200 and "Version 1 published" in _text(response)
    page = lead.get(f"/firm/meetings/{meeting}").text
    link = re.search(r'href="(/firm/meeting-records/[0-9a-f-]{36})"', page).group(1)
    assert CANARY in _text(lead.get(link))
    for subject, text_body, html_body in demo_db.rows(
        "SELECT subject, body_text, body_html FROM outbox_message"
    ):
        assert CANARY not in f"{subject} {text_body} {html_body}"
    assert (
        demo_db.scalar("SELECT count(*) FROM outbox_message WHERE template = 'minutes_published'")
        >= 2
    )
