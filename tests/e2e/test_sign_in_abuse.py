"""Issue 9 item 5: nobody can lock an account's owner out, as seen against gunicorn.

Failures are limited per account-and-address pair and per address; per account
alone only at 100 consecutive failures, when the owner is emailed. Each test
runs its own server (one worker, so the per-process counts are the whole
count), with the harness standing in as a trusted proxy: X-Forwarded-For says
which address each attempt comes from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e import harness

AS_PROXY = {"TRUSTED_PROXY_COUNT": "1", "TRUSTED_PROXY_ADDRESSES": "127.0.0.1"}
WRONG = "not the password at all"


@pytest.fixture
def own_server(demo_db, start_portal):
    return start_portal(demo_db, env=AS_PROXY, workers=1)


def _attack(server, email: str, *, addresses: int, per_address: int = 6) -> tuple[int, int]:
    """Wrong passwords from many addresses: (answered 200, refused 429)."""
    answered = refused = 0
    for number in range(addresses):
        attacker = harness.Visitor(server, address=f"203.0.113.{number + 1}")
        attacker.get("/login")
        for _ in range(per_address):
            status = attacker.post("/login", {"email": email, "password": WRONG}).status_code
            answered += status == 200
            refused += status == 429
    return answered, refused


def _sign_in_from(server, person, address, demo_db):
    visitor = harness.Visitor(server, address=address)
    return visitor.sign_in(
        person["email"],
        person["password"],
        totp_secret=person["totp_secret"],
        database=demo_db,
    )


def test_failures_from_other_addresses_do_not_lock_the_owner_out(own_server, demo_db, demo_people):
    owner = demo_people["firm_admin@a"]
    answered, refused = _attack(own_server, owner["email"], addresses=19)
    # Each address is stopped after its fifth failure...
    assert (answered, refused) == (95, 19)
    # ...and the owner, from their own address, still signs in.
    response = _sign_in_from(own_server, owner, "198.51.100.7", demo_db)
    assert response.status_code == 200
    assert urlsplit(response.url).path not in {"/login", "/login/code"}


def test_the_hundredth_consecutive_failure_pauses_the_account_and_emails_its_owner(
    own_server, demo_db, demo_people
):
    owner = demo_people["firm_staff@a"]
    before = demo_db.scalar(
        "SELECT count(*) FROM outbox_message WHERE template = 'auth_sign_in_paused'"
    )
    answered, refused = _attack(own_server, owner["email"], addresses=20, per_address=5)
    assert (answered, refused) == (100, 0)
    visitor = harness.Visitor(own_server, address="198.51.100.8")
    visitor.get("/login")
    response = visitor.post("/login", {"email": owner["email"], "password": owner["password"]})
    assert response.status_code == 429
    mails = demo_db.rows(
        "SELECT recipients FROM outbox_message WHERE template = 'auth_sign_in_paused' ORDER BY id"
    )
    assert len(mails) == before + 1
    assert mails[-1].recipients == owner["email"]


def test_wrong_codes_elsewhere_do_not_lock_the_owners_code_step(own_server, demo_db, demo_people):
    """Someone who has the password but not the authenticator tries codes from elsewhere."""
    owner = demo_people["fda_staff"]
    attacker = harness.Visitor(own_server, address="203.0.113.200")
    attacker.get("/login")
    step = attacker.post("/login", {"email": owner["email"], "password": owner["password"]})
    assert urlsplit(step.url).path == "/login/code"
    statuses = [attacker.post("/login/code", {"code": "000000"}).status_code for _ in range(7)]
    assert statuses.count(429) >= 1
    response = _sign_in_from(own_server, owner, "198.51.100.9", demo_db)
    assert response.status_code == 200
    assert urlsplit(response.url).path not in {"/login", "/login/code"}
