"""Failed sign-ins are throttled per account and per address, and the limit clears."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from portal import ROOT
from portal.extensions import db
from tests import factories

TOO_MANY = b"too many unsuccessful attempts"


def attempt(client, email, password="wrong password entirely", address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.mark.parametrize("email", ["lead@alpha.example.com", "nobody@nowhere.example"])
def test_five_failures_lock_the_account_whatever_it_is(client, firm_admin, no_csrf, email):
    db.session.commit()
    for _ in range(5):
        assert attempt(client, email).status_code == 200
    blocked = attempt(client, email, password=factories.PASSWORD)
    assert blocked.status_code == 429
    assert TOO_MANY in blocked.data


def test_the_answer_does_not_reveal_whether_the_account_exists(client, firm_admin, no_csrf):
    db.session.commit()
    answers = []
    for email in (firm_admin.email, "nobody@nowhere.example"):
        for _ in range(6):
            response = attempt(client, email)
        answers.append(response.get_data(as_text=True))
    assert answers[0] == answers[1]


def test_the_account_limit_holds_across_addresses(client, firm_admin, no_csrf):
    db.session.commit()
    for number in range(5):
        attempt(client, firm_admin.email, address=f"10.0.1.{number}")
    assert attempt(client, firm_admin.email, address="10.0.2.1").status_code == 429


def test_one_address_guessing_many_accounts_is_stopped(client, no_csrf):
    for number in range(30):
        attempt(client, f"guess{number}@example.com", address="10.9.9.9")
    assert attempt(client, "another@example.com", address="10.9.9.9").status_code == 429
    assert attempt(client, "another@example.com", address="10.9.9.10").status_code == 200


def test_successful_sign_ins_do_not_count(client, firm_admin, no_csrf):
    db.session.commit()
    for _ in range(8):
        response = attempt(client, firm_admin.email, password=factories.PASSWORD)
        assert response.status_code == 302
        client.post("/logout")


def test_the_limit_clears_after_fifteen_minutes(client, firm_admin, no_csrf, time_machine):
    time_machine.move_to(datetime(2026, 4, 1, 12, 0, tzinfo=UTC), tick=False)
    db.session.commit()
    for _ in range(5):
        attempt(client, firm_admin.email)
    assert attempt(client, firm_admin.email, password=factories.PASSWORD).status_code == 429
    time_machine.shift(timedelta(minutes=15, seconds=1))
    assert attempt(client, firm_admin.email, password=factories.PASSWORD).status_code == 302


def _redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        return None
    return url


OTHER_WORKER = """
import sys
from portal import create_app
app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "WTF_CSRF_ENABLED": False})
client = app.test_client()
for _ in range(5):
    client.post("/login", data={"email": sys.argv[3], "password": "wrong guess"},
                environ_base={"REMOTE_ADDR": "10.7.7.7"})
"""


def test_with_redis_the_limit_is_shared_by_every_worker(make_app, database_url):
    """Failures counted in another process (another gunicorn worker) lock the account here."""
    url = _redis_url()
    if url is None:
        pytest.skip("Redis not reachable at TEST_REDIS_URL (CI starts it)")
    # A fresh account name: Redis is shared with any other run, and nothing is flushed.
    email = f"shared-{uuid.uuid4().hex}@example.com"
    subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, database_url, url, email],
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    app = make_app(RATELIMIT_STORAGE_URI=url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        response = attempt(app.test_client(), email, address="10.7.7.8")
    assert response.status_code == 429
