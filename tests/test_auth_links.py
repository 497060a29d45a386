"""Password reset and account activation links: emailed, expiring, single use, discreet."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import AccountToken, Role, TokenPurpose, UserStatus
from portal.extensions import db
from portal.security.passwords import verify_password
from tests import factories
from tests.conftest import outbox

NEW_PASSWORD = "amber lighthouse seventeen"


def link_from(message) -> str:
    return re.search(r"http://portal\.test(/\S+)", message.body_text).group(1)


def request_reset(client, email):
    response = client.post("/password/forgot", data={"email": email})
    # The mail worker decides, before it delivers (issue 9, item 6).
    services.send_requested_reset_links()
    db.session.commit()  # the worker commits what it decided
    return response


def test_known_and_unknown_emails_get_the_same_answer(client, firm_admin, no_csrf):
    db.session.commit()
    known = request_reset(client, firm_admin.email)
    unknown = request_reset(client, "nobody@example.com")

    def without_address(response):
        text = response.get_data(as_text=True)
        return text.replace(firm_admin.email, "X").replace("nobody@example.com", "X")

    assert known.status_code == unknown.status_code == 200
    assert without_address(known) == without_address(unknown)
    assert [m.recipients for m in outbox("password_reset")] == [firm_admin.email]


def test_reset_link_works_once(client, firm_admin, no_csrf):
    db.session.commit()
    request_reset(client, firm_admin.email)
    link = link_from(outbox("password_reset")[0])
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    db.session.refresh(firm_admin)
    assert verify_password(firm_admin.password_hash, NEW_PASSWORD)
    again = client.post(link, data={"password": "another long passphrase", "confirm": "x"})
    assert again.status_code == 404
    assert b"This link no longer works" in again.data


def test_reset_link_expires_after_an_hour(client, firm_admin, no_csrf, time_machine):
    from datetime import UTC, datetime

    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False)
    db.session.commit()
    request_reset(client, firm_admin.email)
    link = link_from(outbox("password_reset")[0])
    time_machine.shift(timedelta(minutes=61))
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    db.session.refresh(firm_admin)
    assert verify_password(firm_admin.password_hash, factories.PASSWORD)


def test_a_newer_link_voids_the_older_one(client, firm_admin, no_csrf):
    db.session.commit()
    request_reset(client, firm_admin.email)
    request_reset(client, firm_admin.email)
    first, second = (link_from(m) for m in outbox("password_reset"))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_reset_ends_every_session(app, firm_admin, no_csrf):
    from tests.conftest import login_as

    db.session.commit()
    elsewhere = app.test_client()
    login_as(elsewhere, firm_admin)
    client = app.test_client()
    request_reset(client, firm_admin.email)
    link = link_from(outbox("password_reset")[0])
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert elsewhere.get("/account").status_code == 302


@pytest.mark.parametrize("token", ["x", "A" * 43, "../../etc/passwd", "%00", "a" * 500])
def test_made_up_tokens_change_nothing(client, token):
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert client.get(f"/activate/{token}").status_code == 404


def test_invited_account_asking_for_reset_gets_an_activation_link(client, app, no_csrf):
    invited = factories.user(Role.FIRM_STAFF, status=UserStatus.INVITED, password=None)
    db.session.commit()
    request_reset(client, invited.email)
    assert [m.template for m in outbox()] == ["account_activation"]


def test_activation_sets_the_first_password(client, app, fda_admin, no_csrf):
    from portal.auth import services

    person = services.create_user(
        email="new.staff@fda.example.gov",
        full_name="New Staff",
        role=Role.FDA_STAFF,
        invited_by=fda_admin,
    )
    db.session.commit()
    link = link_from(outbox("account_activation")[0])
    assert "/activate/" in link
    page = client.get(link)
    assert b"At least 8 characters" in page.data  # FDA accounts always have a second factor
    response = client.post(link, data={"password": "short8ch!", "confirm": "short8ch!"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.status == UserStatus.ACTIVE
    assert client.get(link).status_code == 404
    token = db.session.scalars(select(AccountToken)).one()
    assert token.purpose == TokenPurpose.ACTIVATION and token.used_at is not None


def test_activation_link_expires_after_seven_days(client, app, no_csrf, time_machine):
    from datetime import UTC, datetime

    from portal.auth import services

    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=UTC), tick=False)
    services.create_user(
        email="late@example.com", full_name="Late", role=Role.FIRM_STAFF, firm=factories.firm()
    )
    db.session.commit()
    link = link_from(outbox("account_activation")[0])
    time_machine.shift(timedelta(days=7, seconds=1))
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "Use at least 15 characters"),
        ("passwordpassword", "commonly used password"),
        ("P@ssw0rd12345678", "commonly used password"),
        ("aaaaaaaaaaaaaaaaaaaa", "repeats too few different characters"),
        ("abcdefghijklmnopq", "simple sequence"),
        ("x" * 129, "Use at most 128 characters"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client, firm_admin, no_csrf, password, message):
    db.session.commit()
    request_reset(client, firm_admin.email)
    link = link_from(outbox("password_reset")[0])
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(firm_admin)
    assert verify_password(firm_admin.password_hash, factories.PASSWORD)


def test_password_based_on_the_persons_name_is_refused(client, app, no_csrf):
    person = factories.user(
        Role.FIRM_STAFF, email="margaretha@example.com", full_name="Margaretha Vandersloot"
    )
    db.session.commit()
    request_reset(client, person.email)
    link = link_from(outbox("password_reset")[0])
    response = client.post(
        link, data={"password": "Vandersloot2026!", "confirm": "Vandersloot2026!"}
    )
    assert b"built from your name or email address" in response.data


def test_long_passwords_with_any_characters_are_welcome(client, firm_admin, no_csrf):
    db.session.commit()
    request_reset(client, firm_admin.email)
    link = link_from(outbox("password_reset")[0])
    password = "Ünïcødé ☕ spaces and 64+ characters are fine here: " + "z" * 40
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 302
    db.session.refresh(firm_admin)
    assert verify_password(firm_admin.password_hash, password)
    assert firm_admin.password_hash.startswith("$argon2id$")


def test_reset_requests_are_throttled_per_address(client, no_csrf):
    for _ in range(10):
        assert request_reset(client, "someone@example.com").status_code == 200
    assert request_reset(client, "someone@example.com").status_code == 429


def test_the_reset_request_path_does_the_same_work_for_known_and_unknown(
    client, firm_admin, no_csrf, count_queries
):
    """Until the answer is sent, nothing about the account is looked up (issue 9, item 6)."""
    db.session.commit()
    statements = {}
    for email in ("nobody@example.com", firm_admin.email):
        with count_queries() as queries:
            client.post("/password/forgot", data={"email": email})
        statements[email] = [re.sub(r"\s+", " ", sql) for sql in queries.statements]
    assert statements[firm_admin.email] == statements["nobody@example.com"]
    assert outbox("password_reset") == []
    assert services.send_requested_reset_links() == 2
    assert services.send_requested_reset_links() == 0
    assert [m.recipients for m in outbox("password_reset")] == [firm_admin.email]
