"""Security keys and passkeys (issue 14), driven with a software authenticator.

Each refusal test changes one thing in an otherwise good answer and checks that
the person stays signed out and nothing about the key moves.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role, WebAuthnChallenge, WebAuthnCredential
from portal.extensions import db
from tests import factories
from tests.soft_authenticator import SoftAuthenticator

ORIGIN = "http://portal.test"  # TestConfig.PORTAL_BASE_URL
RP_ID = "portal.test"


@pytest.fixture
def key():
    return SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)


def options(client, url, kind="key"):
    response = client.post(url, json={"kind": kind})
    assert response.status_code == 200, response.data
    return response.get_json()


def password_step(client, user):
    db.session.commit()
    return client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def register_on_account(client, key, *, kind="key", name="Blue key"):
    answer = key.register(options(client, "/account/keys/options", kind))
    return client.post("/account/keys", data={"name": name, "kind": kind, "credential": answer})


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def stored(key) -> WebAuthnCredential:
    db.session.expire_all()
    return db.session.scalars(
        select(WebAuthnCredential).where(WebAuthnCredential.credential_id == key.credential_id)
    ).one()


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def fda_with_key(app, make_app, key, no_csrf):
    """An FDA user without any recovery allowance who registered ``key``."""
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    db.session.commit()
    setup = app.test_client()
    from tests.conftest import login_as

    login_as(setup, person)
    assert register_on_account(setup, key).status_code == 302
    return person


# --- registration -----------------------------------------------------------------------


def test_firm_user_registers_a_named_key(client, sign_in, firm_admin, key, no_csrf):
    sign_in(firm_admin)
    response = register_on_account(client, key, name="Keyring key")
    assert response.status_code == 302
    credential = stored(key)
    assert credential.user_id == firm_admin.id and credential.name == "Keyring key"
    assert not credential.is_passkey and credential.transports == "usb"
    assert "auth.key_registered" in actions()
    page = client.get("/account/keys").get_data(as_text=True)
    assert "Keyring key" in page and "Not yet" in page


def test_registration_options_use_attestation_none_and_the_configured_rp(
    client, sign_in, firm_admin, no_csrf
):
    sign_in(firm_admin)
    body = options(client, "/account/keys/options", "passkey")
    assert body["rp"]["id"] == RP_ID
    assert body["attestation"] == "none"
    assert body["authenticatorSelection"]["residentKey"] == "required"
    assert body["authenticatorSelection"]["userVerification"] == "required"
    assert body["user"]["name"] == firm_admin.email
    # The browser gets only a handle; the challenge itself is kept on the server.
    row = db.session.scalars(select(WebAuthnChallenge)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=5)


def test_registration_from_another_origin_is_refused(client, sign_in, firm_admin, key, no_csrf):
    sign_in(firm_admin)
    answer = key.register(options(client, "/account/keys/options"), origin="http://evil.test")
    response = client.post("/account/keys", data={"name": "k", "kind": "key", "credential": answer})
    assert response.status_code == 400
    assert b"was not accepted" in response.data
    assert db.session.scalars(select(WebAuthnCredential)).first() is None


def test_registration_with_an_expired_challenge_is_refused(
    client, sign_in, firm_admin, key, no_csrf, time_machine
):
    time_machine.move_to(datetime.now(UTC), tick=False)
    sign_in(firm_admin)
    answer = key.register(options(client, "/account/keys/options"))
    time_machine.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/account/keys", data={"name": "k", "kind": "key", "credential": answer})
    assert response.status_code == 400
    assert b"expired or was already used" in response.data
    assert db.session.scalars(select(WebAuthnCredential)).first() is None


def test_bad_input_gets_a_message_not_a_500(client, sign_in, firm_admin, no_csrf):
    sign_in(firm_admin)
    options(client, "/account/keys/options")
    for garbage in ("not json", "{}", '{"id": 1}', json.dumps({"id": "x", "rawId": "!!"})):
        options(client, "/account/keys/options")
        response = client.post(
            "/account/keys", data={"name": "k", "kind": "key", "credential": garbage}
        )
        assert response.status_code == 400
    assert db.session.scalars(select(WebAuthnCredential)).first() is None


def test_without_javascript_the_page_says_a_key_needs_it(client, sign_in, firm_admin, no_csrf):
    sign_in(firm_admin)
    page = client.get("/account/keys").get_data(as_text=True)
    assert "needs JavaScript" in page
    response = client.post("/account/keys", data={"name": "k", "kind": "key", "credential": ""})
    assert b"needs JavaScript" in response.data


# --- FDA staff must use a key ------------------------------------------------------------


def test_fda_user_without_key_is_taken_to_registration_first(app, client, key, no_csrf):
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    response = password_step(client, person)
    assert response.headers["Location"] == "/login/register-key"
    assert not signed_in(client)
    # The authenticator-app path is closed to FDA staff without an allowance.
    assert client.post("/login/code", data={"code": "123456"}).headers["Location"] == "/login"
    answer = key.register(options(client, "/login/register-key/options"))
    response = client.post(
        "/login/register-key", data={"name": "Office key", "kind": "key", "credential": answer}
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert stored(key).user_id == person.id


def test_fda_user_with_key_signs_in_with_password_and_key(app, fda_with_key, key):
    client = app.test_client()
    response = password_step(client, fda_with_key)
    assert response.headers["Location"] == "/login/key"
    assert not signed_in(client)
    answer = key.assert_(options(client, "/login/key/options"))
    response = client.post("/login/key", data={"credential": answer})
    assert response.status_code == 302
    assert signed_in(client)
    credential = stored(key)
    assert credential.sign_count == 1 and credential.last_used_at is not None


def test_fda_totp_needs_the_program_managers_allowance(app, client, no_csrf, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    person = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    import pyotp

    code = pyotp.TOTP(person.totp_secret).now()
    assert password_step(client, person).headers["Location"] == "/login/register-key"
    client.post("/login/code", data={"code": code})
    assert not signed_in(client)
    from portal.auth import recovery

    recovery.allow(person, days=1, by=None)
    assert password_step(client, person).headers["Location"] == "/login/code"
    response = client.post("/login/code", data={"code": code})
    assert response.headers["Location"] == "/account/keys"  # register a key next
    assert signed_in(client)
    assert "auth.totp_recovery_used" in actions()
    client.post("/logout")
    time_machine.shift(timedelta(days=1, seconds=1))
    assert password_step(client, person).headers["Location"] == "/login/register-key"


# --- refusals ----------------------------------------------------------------------------


def _key_step(app, person):
    client = app.test_client()
    password_step(client, person)
    return client, options(client, "/login/key/options")


@pytest.mark.parametrize(
    "change",
    [{"origin": "http://portal.test.evil.example"}, {"rp_id": "evil.example"}],
    ids=["other origin", "other rp id"],
)
def test_answer_for_another_origin_or_rp_is_refused(app, fda_with_key, key, change):
    client, opts = _key_step(app, fda_with_key)
    response = client.post("/login/key", data={"credential": key.assert_(opts, **change)})
    assert b"was not accepted" in response.data
    assert not signed_in(client)
    assert stored(key).sign_count == 0


def test_a_challenge_is_answered_only_once(app, fda_with_key, key):
    client, opts = _key_step(app, fda_with_key)
    bad = key.assert_(opts, origin="http://evil.example")
    client.post("/login/key", data={"credential": bad})
    good = key.assert_(opts)
    response = client.post("/login/key", data={"credential": good})
    assert b"expired or was already used" in response.data
    assert not signed_in(client)


def test_a_successful_answer_cannot_be_replayed(app, fda_with_key, key):
    client, opts = _key_step(app, fda_with_key)
    answer = key.assert_(opts)
    assert client.post("/login/key", data={"credential": answer}).status_code == 302
    thief = app.test_client()
    password_step(thief, fda_with_key)
    thief.post("/login/key/options", json={})  # a fresh challenge, which the replay does not sign
    response = thief.post("/login/key", data={"credential": answer})
    assert b"was not accepted" in response.data
    assert not signed_in(thief)


def test_an_expired_challenge_is_refused(app, fda_with_key, key):
    client, opts = _key_step(app, fda_with_key)
    answer = key.assert_(opts)
    # The password step lasts as long as a challenge, so age the challenge alone.
    row = db.session.scalars(
        select(WebAuthnChallenge).order_by(WebAuthnChallenge.id.desc())
    ).first()
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    response = client.post("/login/key", data={"credential": answer})
    assert b"expired or was already used" in response.data
    assert not signed_in(client)


def test_a_sign_counter_that_goes_backwards_is_refused(app, fda_with_key, key):
    client, opts = _key_step(app, fda_with_key)
    assert client.post("/login/key", data={"credential": key.assert_(opts, count=5)}).status_code
    client.post("/logout")
    client, opts = _key_step(app, fda_with_key)
    response = client.post("/login/key", data={"credential": key.assert_(opts, count=3)})
    assert b"was not accepted" in response.data
    assert not signed_in(client)
    assert stored(key).sign_count == 5
    assert "auth.key_counter_backwards" in actions()


def test_a_change_of_backup_eligibility_is_refused(app, fda_with_key, key):
    key.backup_eligible = True
    client, opts = _key_step(app, fda_with_key)
    response = client.post("/login/key", data={"credential": key.assert_(opts)})
    assert b"was not accepted" in response.data
    assert not signed_in(client)


def test_another_persons_key_is_refused(app, fda_with_key, no_csrf):
    other = factories.user(Role.FDA_STAFF, recovery_allowed=False)
    db.session.commit()
    theirs = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    from tests.conftest import login_as

    setup = app.test_client()
    login_as(setup, other)
    register_on_account(setup, theirs)
    client, opts = _key_step(app, fda_with_key)
    response = client.post("/login/key", data={"credential": theirs.assert_(opts)})
    assert b"not registered to this account" in response.data
    assert not signed_in(client)


def test_a_removed_key_is_refused(app, key, firm_admin, no_csrf):
    from tests.conftest import login_as

    owner = app.test_client()
    login_as(owner, firm_admin)
    register_on_account(owner, key)
    credential = stored(key)
    wrong = owner.post(
        "/account/keys/remove", data={"key": str(credential.public_id), "password": "nope"}
    )
    assert wrong.status_code == 400 and stored(key).removed_at is None
    removed = owner.post(
        "/account/keys/remove",
        data={"key": str(credential.public_id), "password": factories.PASSWORD},
    )
    assert removed.status_code == 302 and stored(key).removed_at is not None
    client = app.test_client()
    password_step(client, firm_admin)  # no key left, no TOTP: signed in by password alone
    client.post("/logout")
    fresh = app.test_client()
    response = fresh.post(
        "/login/passkey", data={"credential": key.assert_(options(fresh, "/login/passkey/options"))}
    )
    assert response.headers["Location"] == "/login"
    assert not signed_in(fresh)
    assert "auth.key_removed" in actions()


def test_fda_user_cannot_remove_their_last_key(app, fda_with_key, key):
    from tests.conftest import login_as

    client = app.test_client()
    login_as(client, fda_with_key)
    credential = stored(key)
    response = client.post(
        "/account/keys/remove",
        data={"key": str(credential.public_id), "password": factories.PASSWORD},
    )
    assert b"must keep at least one" in response.data
    assert stored(key).removed_at is None


def test_someone_elses_key_cannot_be_removed(app, fda_with_key, key, firm_admin):
    from tests.conftest import login_as

    client = app.test_client()
    login_as(client, firm_admin)
    public_id = str(stored(key).public_id)
    response = client.post(
        "/account/keys/remove", data={"key": public_id, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert stored(key).removed_at is None


# --- a passkey alone ---------------------------------------------------------------------


def test_passkey_signs_in_alone(app, key, firm_admin, no_csrf):
    from tests.conftest import login_as

    setup = app.test_client()
    login_as(setup, firm_admin)
    assert register_on_account(setup, key, kind="passkey").status_code == 302
    assert stored(key).is_passkey
    client = app.test_client()
    opts = options(client, "/login/passkey/options")
    assert opts["userVerification"] == "required" and opts["allowCredentials"] == []
    response = client.post("/login/passkey", data={"credential": key.assert_(opts)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(client)


def test_passkey_without_user_verification_is_refused(app, key, firm_admin, no_csrf):
    from tests.conftest import login_as

    setup = app.test_client()
    login_as(setup, firm_admin)
    register_on_account(setup, key, kind="passkey")
    client = app.test_client()
    opts = options(client, "/login/passkey/options")
    client.post("/login/passkey", data={"credential": key.assert_(opts, uv=False)})
    assert not signed_in(client)


def test_a_security_key_cannot_sign_in_without_the_password(app, key, firm_admin, no_csrf):
    from tests.conftest import login_as

    setup = app.test_client()
    login_as(setup, firm_admin)
    register_on_account(setup, key, kind="key")
    client = app.test_client()
    opts = options(client, "/login/passkey/options")
    client.post("/login/passkey", data={"credential": key.assert_(opts)})
    assert not signed_in(client)


def test_passkey_with_the_wrong_user_handle_is_refused(app, key, firm_admin, other_firm_admin):
    from tests.conftest import login_as

    app.config["WTF_CSRF_ENABLED"] = False
    setup = app.test_client()
    login_as(setup, firm_admin)
    register_on_account(setup, key, kind="passkey")
    client = app.test_client()
    opts = options(client, "/login/passkey/options")
    forged = key.assert_(opts, user_handle=other_firm_admin.public_id.bytes)
    client.post("/login/passkey", data={"credential": forged})
    assert not signed_in(client)


# --- firm users keep TOTP; the QR code -----------------------------------------------------


def test_firm_user_with_key_and_totp_may_use_either(app, key, no_csrf):
    import pyotp

    person = factories.user(Role.FIRM_ADMIN, totp_secret=pyotp.random_base32())
    db.session.commit()
    from tests.conftest import login_as

    setup = app.test_client()
    login_as(setup, person)
    register_on_account(setup, key)
    client = app.test_client()
    assert password_step(client, person).headers["Location"] == "/login/key"
    assert b"Use a code from your authenticator app instead" in client.get("/login/key").data
    response = client.post("/login/code", data={"code": pyotp.TOTP(person.totp_secret).now()})
    assert response.status_code == 302 and signed_in(client)


def test_totp_enrolment_shows_a_qr_code_as_inline_svg(client, sign_in, firm_admin):
    sign_in(firm_admin)
    page = client.get("/account/two-step").get_data(as_text=True)
    start = page.index("<svg ")
    svg = page[start : page.index("</svg>", start)]
    assert 'role="img"' in svg and "style" not in svg and "<script" not in svg


def test_anonymous_options_are_rate_limited(client, no_csrf):
    from portal.auth.key_views import OPTIONS_LIMIT

    allowed = int(OPTIONS_LIMIT.split()[0])
    for _ in range(allowed):
        assert client.post("/login/passkey/options", json={}).status_code == 200
    assert client.post("/login/passkey/options", json={}).status_code == 429
    assert db.session.query(WebAuthnChallenge).count() == allowed
