"""Security keys and passkeys in Chromium, with its virtual authenticator (DevTools protocol).

The portal is served at http://localhost:<port>: WebAuthn needs a secure context
(localhost counts) and an RP ID that is a domain, which 127.0.0.1 is not.
PORTAL_BASE_URL is set to the same address, so the origin the browser signs is the
one the server expects.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.auth.models import Role, WebAuthnCredential
from portal.extensions import db
from tests import factories
from tests.browser.helpers import assert_accessible, next_totp_code


@pytest.fixture
def localhost_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://localhost:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)


def _open(browser, url, *, javascript=True, authenticator=True):
    context = browser.new_context(base_url=url, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    if authenticator:
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
    return context, page, problems


@pytest.fixture
def key_page(browser, localhost_url):
    """A page whose browser has a platform authenticator (like a laptop with Touch ID)."""
    context, page, problems = _open(browser, localhost_url)
    yield page
    context.close()
    assert not problems, f"the page broke its Content-Security-Policy: {problems}"


def password_step(page, user):
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def credentials(user):
    db.session.expire_all()
    return db.session.scalars(
        select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
    ).all()


def test_fda_user_without_key_registers_one_then_signs_in_with_it(key_page, app):
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    db.session.commit()
    page = key_page
    password_step(page, person)
    assert page.url.endswith("/login/register-key")
    assert_accessible(page, "register a key at sign-in")
    page.get_by_label("Name for this key").fill("Office laptop")
    page.get_by_label("A security key, used after your password").check()
    page.get_by_role("button", name="Register the key").click()
    page.wait_for_url(lambda url: "/login" not in url)
    [credential] = credentials(person)
    assert credential.name == "Office laptop" and not credential.is_passkey

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    password_step(page, person)
    assert page.url.endswith("/login/key")
    assert_accessible(page, "key step")
    # By keyboard: the button is reachable and works with Enter.
    button = page.get_by_role("button", name="Use your security key")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    [credential] = credentials(person)
    assert credential.last_used_at is not None


def test_firm_user_adds_a_passkey_signs_in_with_it_alone_and_removes_it(key_page, app):
    person = factories.user(Role.FIRM_ADMIN)
    db.session.commit()
    page = key_page
    password_step(page, person)  # no second factor yet: the password alone
    page.goto("/account/two-step")
    assert page.locator(".qr-code svg").is_visible()  # inline SVG, allowed by the CSP
    assert_accessible(page, "TOTP enrolment with QR code")
    page.goto("/account/keys")
    assert_accessible(page, "security keys page")
    page.get_by_label("Name for this key").fill("My laptop")
    page.get_by_label("A passkey, which can sign you in alone").check()
    page.get_by_role("button", name="Register the key").click()
    page.get_by_role("cell", name="Passkey").wait_for()
    assert_accessible(page, "security keys page with a key")
    [credential] = credentials(person)
    assert credential.is_passkey

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto("/account/keys")
    page.get_by_role("link", name="Remove My laptop").click()
    assert_accessible(page, "remove a key")
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Remove the key").click()
    page.get_by_text("You have no security key or passkey yet.").wait_for()
    [credential] = credentials(person)
    assert credential.removed_at is not None

    # The authenticator still holds the passkey, but the portal no longer accepts it.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.get_by_role("button", name="Use a passkey").click()
    page.get_by_text("not registered to this account").wait_for()
    assert page.url.endswith("/login")


def test_firm_user_with_only_totp_still_signs_in(key_page, app):
    import pyotp

    person = factories.user(Role.FIRM_STAFF, totp_secret=pyotp.random_base32())
    db.session.commit()
    page = key_page
    password_step(page, person)
    assert page.url.endswith("/login/code")
    page.get_by_label("Code from your authenticator app").fill(next_totp_code(person))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_without_javascript_the_key_page_offers_the_allowed_code(browser, localhost_url, app):
    import pyotp

    person = factories.user(Role.FIRM_STAFF, totp_secret=pyotp.random_base32())
    db.session.add(
        WebAuthnCredential(
            user_id=person.id,
            credential_id=b"registered-elsewhere",
            public_key=b"-",
            name="Old key",
            created_at=person.created_at,
        )
    )
    db.session.commit()
    context, page, _ = _open(browser, localhost_url, javascript=False, authenticator=False)
    try:
        password_step(page, person)
        assert page.url.endswith("/login/key")
        assert page.get_by_text("needs JavaScript").is_visible()
        assert not page.get_by_role("button", name="Use your security key").is_visible()
        page.get_by_role("link", name="enter a code from your authenticator app").click()
        assert page.url.endswith("/login/code")
    finally:
        context.close()


def test_recovery_allowance_page_passes_axe(key_page, app, fda_admin):
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    db.session.commit()
    page = key_page
    password_step(page, fda_admin)
    page.get_by_label("Code from your authenticator app").fill(next_totp_code(fda_admin))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/admin/users/{person.public_id}/sign-in-recovery")
    assert_accessible(page, "recovery allowance")
    page.get_by_label("Allow sign-in with the authenticator app for").select_option("3")
    page.get_by_label("Reason").fill("Key lost")
    page.get_by_role("button", name="Allow recovery sign-in").click()
    page.get_by_text("is allowed").wait_for()
    assert_accessible(page, "recovery allowance given")
