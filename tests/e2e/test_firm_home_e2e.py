"""The firm's kept home page (issue 15) under gunicorn: writes made elsewhere show at once.

One worker, so the lead's views all reach the process that keeps the page: FDA
writes a message through the portal's HTTP side (a request of its own), and this
test renames the firm's site through its own connection and the portal's models;
the lead's next view of /firm shows each.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
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
