"""The firm's kept home page (issue 15) under gunicorn: writes made elsewhere show at once.

One worker, so the lead's views all reach the process that keeps the page: FDA
writes a message through the portal's HTTP side (a request of its own), and this
test renames the firm's site through its own connection and the portal's models;
the lead's next view of /firm shows each.
"""

from __future__ import annotations

import html
import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from portal import create_app
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.sites.models import Site
from tests.e2e.test_firm_canary_sweep import OWN_FIRM
from tests.e2e.test_messages_e2e import _engagement


@pytest.fixture(scope="module")
def own_portal(make_demo_database, start_portal):
    database = make_demo_database("firm_home")
    return database, start_portal(database, workers=1)


def _unread(page: str) -> int:
    found = re.search(r'data-unread-threads="(\d+)"', page)
    return int(found.group(1)) if found else 0


def test_writes_from_another_request_and_another_connection_show_on_the_next_view(
    own_portal, visit
):
    database, server = own_portal
    engagement = _engagement(database, OWN_FIRM)
    lead = visit("firm_admin@a", server=server, database=database)
    first = lead.get("/firm")
    second = lead.get("/firm")
    assert first.status_code == second.status_code == 200
    unread = _unread(second.text)

    fda = visit("fda_staff", server=server, database=database)
    fda.get(f"/engagements/{engagement}/messages")
    response = fda.post(f"/engagements/{engagement}/messages", {"body": "FDA writes again."})
    assert response.status_code == 200
    assert _unread(lead.get("/firm").text) == unread + 1

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database.url})
    with app.app_context():
        site = db.session.scalars(
            select(Site)
            .join(Engagement, Engagement.site_id == Site.id)
            .where(Engagement.public_id == uuid.UUID(engagement))
        ).one()
        site.legal_name = "Northwind Renamed Sterile Plant"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    page = html.unescape(lead.get("/firm").text)
    assert "Northwind Renamed Sterile Plant" in page
    # The audit log has one page view per request, kept page or not.
    views = database.scalar(
        "SELECT count(*) FROM audit_event WHERE action = 'page.view' AND detail LIKE '%/firm'"
    )
    assert views >= 4


def test_pages_soon_after_the_last_keep_the_cookie_and_every_view_is_logged(own_portal, visit):
    # Issue 15: the idle timer's "seen at" moves at most every 30 s (of 15 minutes), so a
    # page soon after the last answers without re-signing the cookie; the person stays
    # signed in and each view is still in the audit log.
    database, server = own_portal
    lead = visit("firm_admin@a", server=server, database=database)
    lead.get("/firm")  # the first page adds its CSRF token to the cookie
    mark = database.audit_mark()
    answers = [lead.get("/firm") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("/login" not in a.url for a in answers)
    assert all("sep_session=" not in a.headers.get("Set-Cookie", "") for a in answers)
    views = [row for row in database.audit_since(mark) if row.action == "page.view"]
    assert len(views) == 3


def test_the_kept_pages_form_token_is_signed_once_and_its_cookie_checked_once(
    own_portal, visit
):
    # Issue 15: the worker signs the page's CSRF token once per session and checks each
    # distinct session cookie once. The token still works in a form (signing out), and a
    # cookie altered by one character is still refused after the real one was kept.
    database, server = own_portal
    lead = visit("firm_admin@a", server=server, database=database)
    lead.get("/firm")
    lead.get("/firm")
    first = lead.csrf_token
    time.sleep(1.1)  # signed afresh, a token would carry a later second
    assert lead.get("/firm").status_code == 200
    assert lead.csrf_token == first

    cookie = lead.http.cookies.get("sep_session")
    payload, signature = cookie.rsplit(".", 1)
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    refused = requests.get(
        f"{server.url}/firm",
        headers={"Cookie": f"sep_session={forged}"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 302
    assert urlsplit(refused.headers["Location"]).path == "/login"

    # A form sent without the token is refused, and changes nothing.
    assert lead.post("/logout", {"csrf_token": ""}).status_code == 400
    assert urlsplit(lead.get("/firm").url).path == "/firm"

    signed_out = lead.post("/logout")
    assert urlsplit(signed_out.url).path == "/login"
    assert urlsplit(lead.get("/firm").url).path == "/login"
