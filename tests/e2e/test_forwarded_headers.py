"""Issue 9 item 9: what a client says about where it comes from is believed only from our proxy.

Against gunicorn started with the shipped gunicorn.conf.py: a client that reaches
the app directly cannot escape the per-address sign-in limit by changing
X-Forwarded-For, nor make a plain-HTTP request count as HTTPS; behind a
configured proxy the forwarded address is used; and a production server whose
workers would each count failures on their own says so at start-up.
"""

from __future__ import annotations

import pytest

from tests.e2e import harness

WARNING = "RATELIMIT_STORAGE_URI is memory:// with 2 workers"


def _failures_from_changing_addresses(server, attempts: int) -> list[int]:
    """Wrong passwords for different accounts, each claiming a new address."""
    visitor = harness.Visitor(server)
    visitor.get("/login")
    statuses = []
    for number in range(attempts):
        headers = {"X-Forwarded-For": f"198.18.{number // 200}.{number % 200 + 1}"}
        response = visitor.post(
            "/login",
            {"email": f"guess{number}@example.com", "password": "wrong"},
            headers=headers,
        )
        statuses.append(response.status_code)
    return statuses


def test_a_direct_client_cannot_escape_the_address_limit(demo_db, start_portal):
    server = start_portal(demo_db, env={"TRUSTED_PROXY_COUNT": "1"}, workers=1)
    statuses = _failures_from_changing_addresses(server, 40)
    assert statuses[:30] == [200] * 30
    assert set(statuses[30:]) == {429}


def test_a_direct_client_naming_an_unlisted_proxy_is_not_believed(demo_db, start_portal):
    env = {"TRUSTED_PROXY_COUNT": "1", "TRUSTED_PROXY_ADDRESSES": "10.20.30.40"}
    server = start_portal(demo_db, env=env, workers=1)
    assert set(_failures_from_changing_addresses(server, 35)[30:]) == {429}


def test_behind_the_configured_proxy_each_client_is_counted_on_its_own(demo_db, start_portal):
    env = {"TRUSTED_PROXY_COUNT": "1", "TRUSTED_PROXY_ADDRESSES": "127.0.0.1"}
    server = start_portal(demo_db, env=env, workers=1)
    assert set(_failures_from_changing_addresses(server, 35)) == {200}


def test_a_direct_client_cannot_claim_https(demo_db, start_portal):
    """gunicorn's own default believes X-Forwarded-Proto from 127.0.0.1; then the CSRF check
    treats the request as HTTPS and refuses a form posted without a Referer."""
    server = start_portal(demo_db, workers=1)
    visitor = harness.Visitor(server)
    visitor.get("/login")
    response = visitor.post(
        "/login",
        {"email": "someone@example.com", "password": "wrong"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    assert "not right" in response.text


@pytest.mark.parametrize(("workers", "warned"), [(2, True), (1, False)])
def test_production_warns_when_workers_count_failures_apart(demo_db, start_portal, workers, warned):
    server = start_portal(demo_db, workers=workers)
    assert (WARNING in server.log()) is warned
