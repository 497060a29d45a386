"""SPEC 13 has one meaning everywhere: an adverse action recorded on the site after the
engagement opened, still open, flags the engagement; nothing is deleted."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.sites.models import RegulatoryAction
from tests import factories


def test_engagement_page_export_and_api_agree(app, sign_in, fda_staff, firm_a, time_machine):
    time_machine.move_to(datetime(2025, 1, 10, 12, tzinfo=UTC), tick=False)
    before = factories.engagement(firm_a, opened_at=datetime(2025, 2, 1, tzinfo=UTC))
    factories.regulatory_action(before.site, action_date=date(2025, 1, 9))  # recorded 10 Jan
    after = factories.engagement(firm_a, opened_at=datetime(2025, 2, 1, tzinfo=UTC))
    db.session.commit()
    time_machine.move_to(datetime(2025, 3, 1, 12, tzinfo=UTC), tick=False)
    factories.regulatory_action(after.site, action_date=date(2025, 2, 27))  # recorded 1 Mar
    _, token = factories.api_token(fda_staff)
    db.session.commit()
    expected = {str(before.public_id): False, str(after.public_id): True}

    client = sign_in(fda_staff)
    for engagement_id, flagged in expected.items():
        page = client.get(f"/engagements/{engagement_id}").get_data(as_text=True)
        assert ("Flagged: open regulatory action" in page) is flagged, engagement_id

    export = client.get("/exports/records/engagements.csv?fiscal_year=2025")
    rows = {
        r["engagement_id"]: r["regulatory_flag"]
        for r in csv.DictReader(io.StringIO(export.get_data(as_text=True)))
    }
    assert {k: v == "yes" for k, v in rows.items() if k in expected} == expected

    api = (
        app.test_client()
        .get("/api/v1/engagements", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    flags = {e["id"]: e["regulatory_flag"] for e in api["data"]}
    assert {k: v for k, v in flags.items() if k in expected} == expected
    # Flagging deleted nothing.
    assert db.session.scalar(select(func.count()).select_from(Engagement)) == 2
    assert db.session.scalar(select(func.count()).select_from(RegulatoryAction)) == 2
