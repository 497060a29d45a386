"""TOTP: required for FDA roles, optional for firm users; codes used once; recovery codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from portal.auth.models import RecoveryCode, Role
from portal.extensions import db
from tests import factories


def password_step(client, user):
    db.session.commit()
    return client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def test_fda_user_under_recovery_allowance_without_app_sets_one_up(client, app, no_csrf):
    """FDA staff without a key go to key registration; with the program manager's
    recovery allowance they may set up an authenticator app there instead."""
    user = factories.user(Role.FDA_STAFF, email="new@fda.example.gov")
    user.totp_secret = None
    response = password_step(client, user)
    assert response.headers["Location"] == "/login/register-key"
    assert b"Set up an authenticator app instead" in client.get("/login/register-key").data
    page = client.get("/login/set-up-two-step").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    assert client.get("/account").status_code == 302
    wrong = client.post("/login/set-up-two-step", data={"code": "000000"})
    assert b"That code is not right" in wrong.data
    response = client.post("/login/set-up-two-step", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    db.session.refresh(user)
    assert user.totp_secret == secret
    assert client.get("/account").status_code == 200


def test_wrong_code_keeps_the_person_out(client, fda_staff, no_csrf):
    password_step(client, fda_staff)
    response = client.post("/login/code", data={"code": "123456"})
    assert b"That code is not right" in response.data
    assert client.get("/account").status_code == 302


def test_a_code_is_accepted_only_once(make_app, app, fda_staff, no_csrf):
    code = pyotp.TOTP(fda_staff.totp_secret).now()
    first = app.test_client()
    password_step(first, fda_staff)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    second = app.test_client()
    password_step(second, fda_staff)
    replay = second.post("/login/code", data={"code": code})
    assert b"That code is not right" in replay.data


def test_recovery_code_works_once(client, app, fda_staff, no_csrf):
    from portal.auth import totp

    codes = totp.new_recovery_codes(fda_staff)
    password_step(client, fda_staff)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    password_step(client, fda_staff)
    again = client.post("/login/code", data={"code": codes[0]})
    assert b"That code is not right" in again.data
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1


def test_code_step_expires(client, fda_staff, no_csrf, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    password_step(client, fda_staff)
    time_machine.shift(301)
    response = client.post("/login/code", data={"code": pyotp.TOTP(fda_staff.totp_secret).now()})
    assert response.headers["Location"] == "/login"


def test_firm_user_may_turn_two_step_on_and_off(client, sign_in, firm_admin, no_csrf):
    sign_in(firm_admin)
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    response = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert b"Save your recovery codes" in response.data
    db.session.refresh(firm_admin)
    assert firm_admin.has_second_factor
    response = client.post("/account/two-step/off", data={"off-password": factories.PASSWORD})
    assert response.status_code == 302
    db.session.refresh(firm_admin)
    assert not firm_admin.has_second_factor


def test_turning_off_needs_a_password_long_enough_to_stand_alone(client, sign_in, app, no_csrf):
    short = "copper kettle"  # 13 characters: allowed only with a second factor
    person = factories.user(Role.FIRM_STAFF, password=short, totp_secret=pyotp.random_base32())
    sign_in(person)
    response = client.post("/account/two-step/off", data={"off-password": short})
    assert response.status_code == 400
    assert b"fewer than 15 characters" in response.data
    db.session.refresh(person)
    assert person.has_second_factor


def test_fda_user_cannot_turn_two_step_off(client, sign_in, fda_staff, no_csrf):
    sign_in(fda_staff)
    response = client.post("/account/two-step/off", data={"off-password": factories.PASSWORD})
    assert b"FDA accounts must keep a second factor" in response.data
    db.session.refresh(fda_staff)
    assert fda_staff.has_second_factor


def test_code_step_is_throttled(client, fda_staff, no_csrf):
    password_step(client, fda_staff)
    for _ in range(5):
        client.post("/login/code", data={"code": "000000"})
    response = client.post("/login/code", data={"code": pyotp.TOTP(fda_staff.totp_secret).now()})
    assert response.status_code == 429


def test_fda_user_without_allowance_cannot_set_up_an_app_at_sign_in(client, app, no_csrf):
    user = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    user.totp_secret = None
    response = password_step(client, user)
    assert response.headers["Location"] == "/login/register-key"
    assert b"Set up an authenticator app instead" not in client.get("/login/register-key").data
    refused = client.get("/login/set-up-two-step")
    assert refused.headers["Location"] == "/login"


def test_wrong_codes_from_elsewhere_do_not_lock_a_fresh_sign_in(app, fda_staff, no_csrf):
    """Someone who has the password but not the key cannot lock the owner's code step."""
    attacker, owner = app.test_client(), app.test_client()
    db.session.commit()
    attacker.post(
        "/login",
        data={"email": fda_staff.email, "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.8.0.1"},
    )
    for _ in range(6):
        attacker.post(
            "/login/code", data={"code": "000000"}, environ_base={"REMOTE_ADDR": "10.8.0.1"}
        )
    owner.post(
        "/login",
        data={"email": fda_staff.email, "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.8.0.2"},
    )
    response = owner.post(
        "/login/code",
        data={"code": pyotp.TOTP(fda_staff.totp_secret).now()},
        environ_base={"REMOTE_ADDR": "10.8.0.2"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] != "/login"
