"""The sites list pages by an indexed column kept by triggers (portal.api.site_changes).

``site.changed_at`` must equal the latest ``updated_at`` of the site, its products,
inspections and regulatory actions, whatever wrote them (the ORM, a bulk insert,
a bulk update), and a page deep in the list must be read through the index.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, insert, select, text, update

from portal.extensions import db
from portal.sites.models import Inspection, Product, Site
from tests import factories
from tests.factories_metrics import at


@pytest.fixture
def token(app, fda_admin):
    _record, plain = factories.api_token(fda_admin)
    db.session.commit()
    return plain


def changed_at(site: Site):
    db.session.expire_all()
    return db.session.scalar(select(Site.changed_at).where(Site.id == site.id))


def listed(app, token: str) -> dict[str, str]:
    client = app.test_client()
    found, cursor = {}, None
    while True:
        query = "/api/v1/sites?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(query, headers={"Authorization": f"Bearer {token}"}).json
        found.update({site["id"]: site["updated_at"] for site in body["data"]})
        cursor = body["next_cursor"]
        if not cursor:
            return found


def test_a_new_site_is_keyed_by_its_own_update_time(app, time_machine):
    time_machine.move_to(at(2025, 1, 1, 12), tick=False)
    site = factories.site()
    db.session.commit()
    assert changed_at(site) == at(2025, 1, 1, 12)


def test_changes_to_a_sites_records_move_it_whatever_wrote_them(app, time_machine):
    time_machine.move_to(at(2025, 1, 1, 12), tick=False)
    site = factories.site()
    inspection = factories.inspection(site, end_date=date(2017, 6, 1))
    db.session.commit()
    # A bulk insert, as the imports write new products.
    db.session.execute(
        insert(Product),
        [{"site_id": site.id, "name": "Bulk product", "updated_at": at(2025, 2, 1, 12)}],
    )
    db.session.commit()
    assert changed_at(site) == at(2025, 2, 1, 12)
    # A bulk update of an inspection.
    db.session.execute(
        update(Inspection)
        .where(Inspection.id == inspection.id)
        .values(updated_at=at(2025, 3, 1, 12))
    )
    db.session.commit()
    assert changed_at(site) == at(2025, 3, 1, 12)
    # A regulatory action through the ORM.
    time_machine.move_to(at(2025, 4, 1, 12), tick=False)
    factories.regulatory_action(site)
    db.session.commit()
    assert changed_at(site) == at(2025, 4, 1, 12)
    # The site itself, through the ORM.
    time_machine.move_to(at(2025, 5, 1, 12), tick=False)
    db.session.get(Site, site.id).city = "Dayton"
    db.session.commit()
    assert changed_at(site) == at(2025, 5, 1, 12)
    # An older moment never moves it back.
    db.session.execute(
        update(Inspection)
        .where(Inspection.id == inspection.id)
        .values(updated_at=at(2024, 1, 1, 12))
    )
    db.session.commit()
    assert changed_at(site) == at(2025, 5, 1, 12)


def test_the_list_shows_each_site_once_with_its_latest_change(app, token, time_machine):
    time_machine.move_to(at(2025, 1, 1, 12), tick=False)
    sites = [factories.site() for _ in range(5)]
    db.session.commit()
    time_machine.move_to(at(2025, 6, 1, 12), tick=False)
    factories.product(sites[0])
    db.session.commit()
    found = listed(app, token)
    assert set(found) == {str(site.public_id) for site in sites}
    assert found[str(sites[0].public_id)] == "2025-06-01T12:00:00+00:00"
    assert found[str(sites[1].public_id)] == "2025-01-01T12:00:00+00:00"
    assert db.session.scalar(select(func.count()).where(Site.changed_at.is_(None))) == 0


def test_a_deep_page_is_read_through_the_index(app, token, time_machine):
    """No sort of every site per page: the plan walks ix_site_changed_at_public_id."""
    start = at(2025, 1, 1, 12)
    db.session.execute(
        insert(Site),
        [
            {
                "fei_number": str(3_900_000_000 + n),
                "legal_name": f"Keyset Site {n}",
                "updated_at": start + timedelta(minutes=n),
                "created_at": start,
            }
            for n in range(300)
        ],
    )
    db.session.commit()
    from portal.api.paging import PageRequest, keyset_page
    from portal.api.resources import site_keys

    moment = start + timedelta(minutes=250)
    last = db.session.scalar(select(Site.public_id).where(Site.updated_at == moment))
    stmt = keyset_page(
        site_keys(),
        PageRequest(limit=200, after=(moment, last), updated_since=None),
    )
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        # A 300-row table is cheaper to sort than to walk in order: make the planner show
        # whether the index *can* give the order (with a computed key it could not).
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            db.session.execute(text(f"SET LOCAL {setting} = off"))
    prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "

    def explain(_conn, _cursor, statement, parameters, _context, _many):
        return prefix + statement, parameters

    event.listen(db.engine, "before_cursor_execute", explain, retval=True)
    try:
        plan = db.session.connection().execute(stmt).cursor.fetchall()
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    plan_text = "\n".join(str(row[-1] if not postgresql else row[0]) for row in plan)
    assert "ix_site_changed_at_public_id" in plan_text, plan_text
    assert ("Sort" if postgresql else "TEMP B-TREE") not in plan_text, plan_text
    rows = db.session.execute(stmt).all()
    assert len(rows) == 49  # minutes 251..299
    db.session.rollback()
