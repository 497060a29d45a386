"""Signing in: one answer for every wrong guess, a fresh session, and only local redirects."""

from __future__ import annotations

import pyotp
import pytest

from portal.auth.models import Role, UserStatus
from portal.extensions import db
from tests import factories
from tests.conftest import csrf_token_from

LOGIN_FAILED = b"The email address or password is not right"


def post_login(client, email, password, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_firm_user_without_second_factor_signs_in(client, firm_admin, no_csrf):
    db.session.commit()
    response = post_login(client, firm_admin.email, factories.PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_email_is_matched_without_regard_to_case_or_spaces(client, firm_admin, no_csrf):
    db.session.commit()
    response = post_login(client, "  " + firm_admin.email.upper() + " ", factories.PASSWORD)
    assert response.status_code == 302


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "deactivated", "invited"])
def test_every_failure_gets_the_same_answer(client, app, no_csrf, case):
    user = factories.user(Role.FIRM_ADMIN, email="known@example.com")
    password = factories.PASSWORD
    email = user.email
    if case == "wrong password":
        password = "not the right password at all"
    elif case == "unknown email":
        email = "nobody@example.com"
    elif case == "deactivated":
        user.status = UserStatus.DEACTIVATED
    elif case == "invited":
        user.status = UserStatus.INVITED
    db.session.commit()
    response = post_login(client, email, password)
    assert response.status_code == 200
    assert LOGIN_FAILED in response.data
    assert client.get("/account").status_code == 302


def test_session_is_rebuilt_at_sign_in(client, firm_admin, no_csrf):
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"
    post_login(client, firm_admin.email, factories.PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == firm_admin.get_id()


def test_no_remember_me_cookie_is_set(client, firm_admin, no_csrf):
    db.session.commit()
    response = post_login(client, firm_admin.email, factories.PASSWORD)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith("sep_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Expires" not in session_cookie  # a browser-session cookie


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "////evil.example",
        "/\\evil.example",
        "https:evil.example",
        "%2F%2Fevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%0a/evil",
    ],
)
def test_next_redirects_only_within_the_site(client, firm_admin, no_csrf, target):
    db.session.commit()
    response = post_login(client, firm_admin.email, factories.PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, firm_admin, no_csrf):
    db.session.commit()
    response = post_login(client, firm_admin.email, factories.PASSWORD, next_url="/account")
    assert response.headers["Location"] == "/account"


def test_login_form_without_csrf_token_is_refused(client, firm_admin):
    db.session.commit()
    response = post_login(client, firm_admin.email, factories.PASSWORD)
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_login_with_csrf_token_works(client, firm_admin):
    db.session.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": firm_admin.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_fda_user_must_give_a_code_before_anything(client, fda_staff, no_csrf):
    db.session.commit()
    response = post_login(client, fda_staff.email, factories.PASSWORD)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/account").status_code == 302  # not signed in yet
    code = pyotp.TOTP(fda_staff.totp_secret).now()
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_sign_out_needs_post_and_ends_the_session(client, firm_admin, no_csrf):
    db.session.commit()
    post_login(client, firm_admin.email, factories.PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302
