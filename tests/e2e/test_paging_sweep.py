"""Issue 9 item 7: hostile paging input on every list answers a page, never a 500.

Routes come from the URL map and ids from the demo's records, so a list added
later is swept without editing this file. Each route is asked for with page
numbers past 64 bits, negative, non-numeric and with digits Python's int()
refuses, against the portal under gunicorn on the suite's database (SQLite, or
PostgreSQL with TEST_DATABASE_URL, where "bigint out of range" was the 500).
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
from flask import url_for
from sqlalchemy import inspect as sa_inspect

from portal.extensions import db
from portal.models import FirmOwned
from portal.security.access import policy_of
from portal.security.hooks import PASSIVE_ENDPOINTS
from tests.sweep import ROLE_POLICIES, snake

#: (page, per_page) pairs: each hostile value once, paired so one request tries two.
HOSTILE = (
    ("9223372036854775807", "9223372036854775807"),
    ("9223372036854775808", "-5"),
    ("9" * 5000, "0"),
    ("-1", "abc"),
    ("²", "99999999999999999999"),
    ("1.5", "-9223372036854775809"),
)
API_HOSTILE = (
    "limit=9223372036854775807",
    "limit=-1",
    "limit=²",
    "limit=" + "9" * 5000,
    "cursor=abc",
    "cursor=" + "A" * 3000,
    "cursor=WyIyMDI0LTAxLTAxIiwgIngiXQ",
    "updated_since=99999-12-31T00:00:00Z",
    "page=9223372036854775807&per_page=-1",
)
ROLES = ("fda_admin", "firm_admin@a")


def _record_ids(demo_db, firm_id: int | None) -> dict[str, str]:
    ids = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if "public_id" not in sa_inspect(model).columns:
            continue
        table = model.__table__.name
        if issubclass(model, FirmOwned) and firm_id is not None:
            value = demo_db.scalar(
                f'SELECT public_id FROM "{table}" WHERE firm_id = :firm ORDER BY id LIMIT 1',  # noqa: S608
                firm=firm_id,
            )
        else:
            value = demo_db.scalar(f'SELECT public_id FROM "{table}" ORDER BY id LIMIT 1')  # noqa: S608
        if value is not None:
            ids[snake(model.__name__)] = str(uuid.UUID(str(value)))
    return ids


def _routes(app, policies: set[str], ids: dict[str, str]) -> list[str]:
    """Every GET route under one of ``policies``, its ids filled with the demo's records."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PASSIVE_ENDPOINTS or "GET" not in rule.methods:
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in policies:
            continue
        values = {}
        for argument in rule.arguments:
            wanted = argument.removesuffix("_id")
            if not argument.endswith("_id") or wanted not in ids:
                break
            values[argument] = ids[wanted]
        else:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def _sweep(get, urls: list[str], queries: list[str]) -> tuple[list[str], int]:
    """The requests that failed, and how many were answered 200."""
    failures, shown = [], 0
    for url in urls:
        for query in queries:
            joiner = "&" if "?" in url else "?"
            response = get(f"{url}{joiner}{query}")
            shown += response.status_code == 200
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {url}{joiner}{query[:60]}")
    # The figure for the report: pytest -s -p no:xdist shows it.
    print(f"paging sweep: {len(failures)} x 500 over {len(urls) * len(queries)} requests")
    return failures, shown


@pytest.mark.parametrize("role", ROLES)
def test_every_list_survives_hostile_paging(role, portal_app, demo_db, visit):
    firm_id = None
    if role.endswith("@a"):
        firm_id = demo_db.scalar("SELECT id FROM firm WHERE name = 'Northwind Pharmaceuticals'")
    urls = _routes(portal_app, ROLE_POLICIES[role.split("@")[0]], _record_ids(demo_db, firm_id))
    person = visit(role)
    queries = [urlencode({"page": page, "per_page": per_page}) for page, per_page in HOSTILE]
    failures, shown = _sweep(lambda path: person.get(path, allow_redirects=False), urls, queries)
    assert not failures, "\n".join(failures)
    assert len(urls) > 20, urls
    # Answered as the role, not as a visitor sent to the sign-in page.
    assert shown > len(urls) * len(queries) // 2, (shown, len(urls))


def test_every_api_list_survives_hostile_paging(portal_app, demo_db, visit):
    admin = visit("fda_admin")
    admin.get("/admin/api-tokens/new")
    issued = admin.post("/admin/api-tokens/new", {"name": "Paging sweep"})
    token = re.search(r'id="api-token">([^<]+)<', issued.text).group(1).strip()
    urls = _routes(portal_app, {"api_token"}, _record_ids(demo_db, None))
    failures, _shown = _sweep(
        lambda path: admin.http.get(
            admin.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=30
        ),
        urls,
        list(API_HOSTILE),
    )
    assert not failures, "\n".join(failures)
    refused = admin.http.get(
        admin.url("/api/v1/sites?limit=²"), headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 400
    assert "limit must be a whole number" in refused.text


def test_a_stale_link_past_the_end_shows_the_last_page(visit, demo_db):
    """The audit log has many pages in the demo; a page past the end is its last page."""
    admin = visit("fda_admin")
    first = admin.get("/admin/audit")
    last = re.search(r"Page 1 of (\d+)", first.text)
    assert last, "the demo's audit log fits one page: the clamp is not exercised"
    stale = admin.get("/admin/audit?page=9223372036854775807")
    assert stale.status_code == 200
    assert f"Page {last.group(1)} of {last.group(1)}" in stale.text
