"""Security keys and passkeys (WebAuthn) through py_webauthn: registration and sign-in.

Why: SPEC "Who uses it" and OMB M-22-09 require phishing-resistant sign-in for FDA
staff. The browser binds every response to the origin it was made on, and we check
that origin and the relying-party id against PORTAL_BASE_URL, so a look-alike site
that relays the sign-in gets a response this portal refuses.

Challenges are random, kept in the database (never trusted from the browser),
bound to one browser session, usable once and for `CHALLENGE_LIFETIME` only.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, session
from sqlalchemy import delete, exists, select, update
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.audit import services as audit
from portal.auth.models import User, UserStatus, WebAuthnChallenge, WebAuthnCredential
from portal.extensions import db
from portal.security import passwords
from portal.security.tokens import hash_token, looks_like_token, new_token
from portal.timeutil import utcnow

#: Long enough to find and touch a key; short enough that a stolen challenge is stale.
CHALLENGE_LIFETIME = timedelta(minutes=5)
#: The browser session's key for the handle of its pending challenge.
SESSION_KEY = "webauthn_challenge"
RP_NAME = "FDA SEP Portal"
NAME_MAX = 60

REGISTER = "register"
AUTHENTICATE = "authenticate"

CHALLENGE_GONE = "That request expired or was already used. Try again."
NOT_ACCEPTED = "The security key's answer was not accepted. Try again."
UNKNOWN_KEY = "That security key or passkey is not registered to this account."


class KeyRefused(ValueError):
    """The key's answer is not accepted; the message is for the person."""


def relying_party() -> tuple[str, str]:
    """(origin, RP ID) from PORTAL_BASE_URL, never from the request's Host header."""
    parts = urlsplit(current_app.config["PORTAL_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}", parts.hostname or ""


def user_handle(user: User) -> bytes:
    """The WebAuthn user id: the opaque public id, never the email (it is stored on keys)."""
    return user.public_id.bytes


def active_credentials(user: User) -> list[WebAuthnCredential]:
    return list(
        db.session.scalars(
            select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user.id, WebAuthnCredential.removed_at.is_(None))
            .order_by(WebAuthnCredential.created_at, WebAuthnCredential.id)
        )
    )


def has_key(user: User) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    WebAuthnCredential.user_id == user.id,
                    WebAuthnCredential.removed_at.is_(None),
                )
            )
        )
    )


# --- challenges -----------------------------------------------------------------------


def _issue_challenge(purpose: str, user: User | None) -> bytes:
    challenge = secrets.token_bytes(32)
    handle = new_token()
    now = utcnow()
    # Spent and stale challenges have no further use; the table stays small.
    db.session.execute(
        delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < now - CHALLENGE_LIFETIME)
    )
    db.session.add(
        WebAuthnChallenge(
            handle_hash=hash_token(handle),
            purpose=purpose,
            user_id=user.id if user else None,
            challenge=challenge,
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    session[SESSION_KEY] = handle
    return challenge


def _claim_challenge(purpose: str, user: User | None) -> bytes:
    """The challenge this browser was given, marked used: an answer is checked once."""
    handle = session.pop(SESSION_KEY, None)
    if not isinstance(handle, str) or not looks_like_token(handle):
        raise KeyRefused(CHALLENGE_GONE)
    row = db.session.scalars(
        select(WebAuthnChallenge).where(WebAuthnChallenge.handle_hash == hash_token(handle))
    ).first()
    if row is None or row.purpose != purpose or row.user_id != (user.id if user else None):
        raise KeyRefused(CHALLENGE_GONE)
    # A conditional update, so two requests racing with one challenge cannot both win.
    now = utcnow()
    claimed = db.session.execute(
        update(WebAuthnChallenge)
        .where(
            WebAuthnChallenge.id == row.id,
            WebAuthnChallenge.used_at.is_(None),
            WebAuthnChallenge.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise KeyRefused(CHALLENGE_GONE)
    return row.challenge


def _refuse(message: str, user: User | None, action: str, detail: str = "") -> KeyRefused:
    """Audit the refusal; the view commits it with the spent challenge, so neither is undone."""
    audit.record(action, user, actor=user, detail=detail[:200])
    return KeyRefused(message)


# --- registration ----------------------------------------------------------------------


def registration_options(user: User, *, passkey: bool) -> str:
    """Options for navigator.credentials.create(), as JSON.

    A passkey must be discoverable and verify the person (PIN or biometric), since it
    signs in alone; a security key is the second factor after the password.
    """
    origin, rp_id = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.email,
        user_id=user_handle(user),
        user_display_name=user.full_name or user.email,
        challenge=_issue_challenge(REGISTER, user),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=(
                ResidentKeyRequirement.REQUIRED if passkey else ResidentKeyRequirement.DISCOURAGED
            ),
            user_verification=(
                UserVerificationRequirement.REQUIRED
                if passkey
                else UserVerificationRequirement.PREFERRED
            ),
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=c.credential_id) for c in active_credentials(user)
        ],
    )
    return options_to_json(options)


def register(user: User, credential_json: str, *, name: str, passkey: bool) -> WebAuthnCredential:
    """Verify the authenticator's answer and keep its public key."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise KeyRefused(f"Give the key a name of at most {NAME_MAX} characters.")
    if not credential_json:
        raise KeyRefused("Using a security key needs JavaScript. Turn it on and try again.")
    challenge = _claim_challenge(REGISTER, user)
    origin, rp_id = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=passkey,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise _refuse(NOT_ACCEPTED, user, "auth.key_register_failed", str(error)) from None
    taken = db.session.scalar(
        select(exists().where(WebAuthnCredential.credential_id == verified.credential_id))
    )
    if taken:
        raise _refuse("That key is already registered.", user, "auth.key_register_failed")
    try:
        transports = json.loads(credential_json)["response"].get("transports") or []
    except (ValueError, KeyError, AttributeError, TypeError):
        transports = []
    now = utcnow()
    credential = WebAuthnCredential(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        is_passkey=passkey,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        transports=",".join(str(t) for t in transports if isinstance(t, str))[:100],
        created_at=now,
    )
    db.session.add(credential)
    db.session.flush()
    kind = "passkey" if passkey else "security key"
    audit.record("auth.key_registered", credential, actor=user, detail=f"{kind}: {name}")
    return credential


# --- sign-in ------------------------------------------------------------------------------


def authentication_options(user: User | None) -> str:
    """Options for navigator.credentials.get(), as JSON.

    With a user (after the password): their keys. Without (passkey sign-in): any
    discoverable credential, and the authenticator must verify the person.
    """
    origin, rp_id = relying_party()
    allow = []
    if user is not None:
        allow = [
            PublicKeyCredentialDescriptor(id=c.credential_id) for c in active_credentials(user)
        ]
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=_issue_challenge(AUTHENTICATE, user),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=allow,
        user_verification=(
            UserVerificationRequirement.PREFERRED
            if user is not None
            else UserVerificationRequirement.REQUIRED
        ),
    )
    return options_to_json(options)


def authenticate(credential_json: str, user: User | None) -> User:
    """The person the key's answer proves, or KeyRefused.

    ``user`` is the person who already gave their password; None for a passkey alone.
    """
    if not credential_json:
        raise KeyRefused("Using a security key needs JavaScript. Turn it on and try again.")
    challenge = _claim_challenge(AUTHENTICATE, user)
    try:
        parsed = parse_authentication_credential_json(credential_json)
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise _refuse(NOT_ACCEPTED, user, "auth.key_failed", str(error)) from None
    credential = db.session.scalars(
        select(WebAuthnCredential).where(WebAuthnCredential.credential_id == parsed.raw_id)
    ).first()
    if credential is None or credential.removed_at is not None:
        raise _refuse(UNKNOWN_KEY, user, "auth.key_failed", "unknown or removed credential")
    if user is not None and credential.user_id != user.id:
        raise _refuse(UNKNOWN_KEY, user, "auth.key_failed", "credential of another person")
    owner = credential.user
    if user is None:
        if not credential.is_passkey or parsed.response.user_handle != user_handle(owner):
            raise _refuse(UNKNOWN_KEY, None, "auth.key_failed", "not a passkey of its owner")
        if owner.status != UserStatus.ACTIVE:
            raise _refuse(UNKNOWN_KEY, None, "auth.key_failed", "inactive account")
    origin, rp_id = relying_party()
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=credential.public_key,
            credential_current_sign_count=credential.sign_count,
            require_user_verification=user is None,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        # A counter that did not move forward means the key may have been cloned.
        action = "auth.key_counter_backwards" if "sign count" in str(error) else "auth.key_failed"
        raise _refuse(NOT_ACCEPTED, owner, action, str(error)) from None
    backup_eligible = verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    if backup_eligible != credential.backup_eligible:
        # The BE flag is fixed when the credential is made (WebAuthn L3 6.1.3).
        raise _refuse(NOT_ACCEPTED, owner, "auth.key_failed", "backup eligibility changed")
    credential.sign_count = verified.new_sign_count
    credential.backed_up = verified.credential_backed_up
    credential.last_used_at = utcnow()
    audit.record("auth.key_used", credential, actor=owner, detail=credential.name)
    return owner


# --- removal ------------------------------------------------------------------------------


def remove(user: User, public_id: str, password: str) -> WebAuthnCredential:
    """Remove one of the person's keys after they re-enter their password."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        wanted = None
    credential = db.session.scalars(
        select(WebAuthnCredential).where(
            WebAuthnCredential.public_id == wanted,
            WebAuthnCredential.user_id == user.id,
            WebAuthnCredential.removed_at.is_(None),
        )
    ).first()
    if credential is None:
        raise KeyRefused("That key is not registered to your account.")
    if not passwords.verify_password(user.password_hash, password):
        raise KeyRefused("That is not your current password.")
    if user.second_factor_required and len(active_credentials(user)) <= 1:
        raise KeyRefused(
            "FDA accounts must keep at least one security key or passkey. "
            "Add the new one first, then remove this one."
        )
    credential.removed_at = utcnow()
    audit.record("auth.key_removed", credential, actor=user, detail=credential.name)
    return credential
