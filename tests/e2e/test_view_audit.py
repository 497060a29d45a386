"""SPEC "Confidentiality": every view is in the audit log, as seen from outside the server.

The portal runs under gunicorn (two workers, production settings); the audit log
is counted through the test's own database connection before and after each
request. Routes come from the URL map, ids from the demo's records: a new page
is swept without editing this file.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import inspect as sa_inspect

from portal.extensions import db
from portal.models import FirmOwned
from portal.security.access import policy_of
from portal.security.hooks import PASSIVE_ENDPOINTS
from tests.sweep import ROLE_POLICIES, snake

ROLES = ("fda_admin", "fda_staff", "firm_admin@a", "firm_staff@a")


def _models_by_snake_name() -> dict[str, type]:
    return {snake(mapper.class_.__name__): mapper.class_ for mapper in db.Model.registry.mappers}


def _record_ids(demo_db, firm_id: int | None) -> dict[str, str]:
    """A public id for each model that URLs take, from the firm's records where it owns them."""
    ids = {}
    for name, model in _models_by_snake_name().items():
        table = model.__table__.name
        if "public_id" not in sa_inspect(model).columns:
            continue
        if issubclass(model, FirmOwned) and firm_id is not None:
            value = demo_db.scalar(
                f'SELECT public_id FROM "{table}" WHERE firm_id = :firm ORDER BY id LIMIT 1',  # noqa: S608
                firm=firm_id,
            )
        else:
            value = demo_db.scalar(f'SELECT public_id FROM "{table}" ORDER BY id LIMIT 1')  # noqa: S608
        if value is not None:
            ids[name] = str(uuid.UUID(str(value)))
    return ids


def _pages(app, role: str, ids: dict[str, str]) -> list[tuple[str, bool]]:
    """(url, shows a firm-owned record by id) for every GET route the role may open."""
    allowed = ROLE_POLICIES[role.split("@")[0]]
    models = _models_by_snake_name()
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PASSIVE_ENDPOINTS or "GET" not in rule.methods:
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in allowed:
            continue
        values, firm_record = {}, False
        for argument in rule.arguments:
            wanted = argument.removesuffix("_id")
            if not argument.endswith("_id") or wanted not in ids:
                break
            values[argument] = ids[wanted]
            firm_record = firm_record or issubclass(models[wanted], FirmOwned)
        else:
            with app.test_request_context():
                from flask import url_for

                pages.append((url_for(rule.endpoint, **values), firm_record))
    return sorted(set(pages))


@pytest.mark.parametrize("role", ROLES)
def test_every_page_view_adds_exactly_one_audit_row(role, portal_app, demo_db, visit):
    firm_id = None
    if role.endswith("@a"):
        firm_id = demo_db.scalar("SELECT id FROM firm WHERE name = 'Northwind Pharmaceuticals'")
    pages = _pages(portal_app, role, _record_ids(demo_db, firm_id))
    person = visit(role)
    wrong, shown_records = [], 0
    for url, firm_record in pages:
        before = demo_db.audit_mark()
        response = person.get(url, allow_redirects=False)
        added = demo_db.audit_since(before)
        if response.status_code == 200:
            if len(added) != 1:
                wrong.append(f"{url}: {len(added)} audit rows for a 200")
                continue
            if firm_record:
                shown_records += 1
                ids_in_url = set(re.findall(r"[0-9a-f-]{36}", url))
                if added[0].object_id not in ids_in_url:
                    wrong.append(f"{url}: logged {added[0].action} {added[0].object_id}")
        elif response.status_code in (301, 302, 303, 401, 403, 404) and added:
            wrong.append(f"{url}: {response.status_code} but {len(added)} audit rows")
        elif response.status_code >= 500:
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    # The sweep must have opened real records, not only refusals.
    assert shown_records >= (5 if firm_id else 10), (shown_records, len(pages))


def test_a_refused_other_firms_record_is_not_logged_as_seen(portal_app, demo_db, visit):
    other_firm = demo_db.scalar("SELECT id FROM firm WHERE name = 'Meridian Sterile Products'")
    meeting = demo_db.scalar(
        "SELECT public_id FROM meeting WHERE firm_id = :firm ORDER BY id LIMIT 1", firm=other_firm
    )
    person = visit("firm_admin@a")
    before = demo_db.audit_mark()
    response = person.get(f"/firm/meetings/{uuid.UUID(str(meeting))}", allow_redirects=False)
    assert response.status_code == 404
    assert demo_db.audit_since(before) == []
