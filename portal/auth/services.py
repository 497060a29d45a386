"""Accounts: sign-in, second factor, activation and reset links, sessions."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update

from portal import mail
from portal.audit import services as audit
from portal.auth import recovery, sessions, totp
from portal.auth.models import (
    AccountToken,
    Firm,
    PasswordResetRequest,
    RecoveryCode,
    Role,
    TokenPurpose,
    User,
    UserStatus,
)
from portal.extensions import db
from portal.mail import queue_email
from portal.security import limits, passwords
from portal.security.tokens import hash_token, looks_like_token, new_token
from portal.timeutil import is_valid_timezone, utcnow
from portal.urls import external_url


class AccountError(ValueError):
    """A request about an account that cannot be honoured; the message is for the person."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalize_email(email))).first()


def context_words(user: User) -> tuple[str, ...]:
    local = user.email.split("@", 1)[0]
    return (local, *user.full_name.split())


# --- sign-in -----------------------------------------------------------------


def check_credentials(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    user = find_user_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.status != UserStatus.ACTIVE:
        audit.record(
            "auth.login_failed", detail=f"email={normalize_email(email)[:254]}", actor=None
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def sign_in_paused(email: str, *, ceiling: int) -> None:
    """The account's consecutive failures reached the ceiling: tell its owner (NIST 800-63B-4).

    Only the ceiling's own failure gets here, once per pause; an address with no
    account gets nothing, and the page answers alike either way.
    """
    user = find_user_by_email(email)
    if user is None or user.status != UserStatus.ACTIVE:
        return
    audit.record(
        "auth.sign_in_paused",
        user,
        firm_id=user.firm_id,
        actor=None,
        detail=f"{ceiling} consecutive failed sign-ins",
    )
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    queue_email(
        user.email,
        "auth_sign_in_paused",
        "Signing in to your SEP Portal account is paused",
        firm_id=user.firm_id,
        user=user,
        ceiling=ceiling,
        window_hours=int(window.total_seconds() // 3600),
        link=external_url("auth.forgot_password"),
    )


def complete_login(user: User) -> None:
    """Start a fresh session: nothing from before sign-in survives (session fixation)."""
    limits.clear_account_failures(user.email)
    session.clear()
    login_user(user, remember=False)
    now = time.time()
    session["login_at"] = now
    session["seen_at"] = now
    sessions.start(user)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, actor=user)


def end_all_sessions(user: User) -> None:
    """Every session cookie issued to this user stops working, copies included."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    sessions.end_all(user)
    db.session.refresh(user)


def logout(user: User) -> None:
    end_all_sessions(user)
    audit.record("auth.logout", user, actor=user)
    logout_user()
    session.clear()


def check_second_factor(user: User, code: str) -> bool:
    """A current TOTP code or an unused recovery code.

    For FDA users only while the program manager's recovery allowance lasts: TOTP is
    not phishing-resistant, so it is their way back in, not their second factor.
    """
    cleaned = code.strip()
    if not recovery.totp_allowed(user):
        audit.record("auth.second_factor_failed", user, actor=user, detail="totp not allowed")
        return False
    if totp.verify_code(user, cleaned) or totp.use_recovery_code(user, cleaned):
        if user.is_fda:
            audit.record("auth.totp_recovery_used", user, actor=user)
        return True
    audit.record("auth.second_factor_failed", user, actor=user)
    return False


def enable_second_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Confirm enrolment with a first code; returns the new recovery codes, or None."""
    step = totp.matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    codes = totp.new_recovery_codes(user)
    audit.record("auth.second_factor_enabled", user, actor=user)
    return codes


def disable_second_factor(user: User, password: str) -> None:
    """Firm users may turn TOTP off, if their password is long enough to stand alone."""
    if user.second_factor_required:
        raise AccountError("FDA accounts must keep a second factor.")
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError("That is not your current password.")
    if len(passwords.normalize(password)) < passwords.MIN_LENGTH_SINGLE_FACTOR:
        raise AccountError(
            f"Your password has fewer than {passwords.MIN_LENGTH_SINGLE_FACTOR} characters, "
            "which is only allowed with a second factor. Change your password first."
        )
    user.totp_secret = None
    user.totp_last_step = None
    # Without TOTP there is nothing left to recover.
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("auth.second_factor_disabled", user, actor=user)


# --- accounts ------------------------------------------------------------------


def create_user(
    *,
    email: str,
    full_name: str,
    role: Role,
    firm: Firm | None = None,
    title: str = "",
    invited_by: User | None = None,
    timezone: str | None = None,
    send_activation: bool = True,
) -> User:
    """An account in "invited" state; the person sets a password through the emailed link."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError("An account with this email address already exists.")
    user = User(
        email=email,
        full_name=full_name.strip(),
        title=title.strip(),
        role=role,
        firm_id=firm.id if firm else None,
        status=UserStatus.INVITED,
        invited_by_id=invited_by.id if invited_by else None,
    )
    if timezone:
        user.timezone = timezone
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, firm_id=user.firm_id, detail=f"role={role.value}")
    if send_activation:
        send_account_link(user, TokenPurpose.ACTIVATION, invited_by=invited_by)
    return user


def activate_with_password(user: User, password: str) -> None:
    """Set the first password of an invited account (or of one created at acceptance)."""
    user.password_hash = passwords.hash_password(password)
    user.status = UserStatus.ACTIVE
    user.activated_at = utcnow()
    audit.record("user.activate", user, firm_id=user.firm_id, actor=user)


def set_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    end_all_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("That is not your current password.")
    set_password(user, new)
    audit.record("auth.password_change", user, actor=user)
    # Other sessions end; this one carries on under the new session version.
    complete_login(user)


def deactivate_user(user: User, *, by: User) -> None:
    if user.id == by.id:
        raise AccountError("You cannot deactivate your own account.")
    user.status = UserStatus.DEACTIVATED
    user.deactivated_at = utcnow()
    end_all_sessions(user)
    audit.record("user.deactivate", user, firm_id=user.firm_id)


def reactivate_user(user: User) -> None:
    user.status = UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED
    user.deactivated_at = None
    audit.record("user.reactivate", user, firm_id=user.firm_id)


# --- emailed links ---------------------------------------------------------------


def _lifetime(purpose: TokenPurpose):
    key = (
        "ACTIVATION_LINK_LIFETIME" if purpose == TokenPurpose.ACTIVATION else "RESET_LINK_LIFETIME"
    )
    return current_app.config[key]


def send_account_link(user: User, purpose: TokenPurpose, *, invited_by: User | None = None) -> None:
    """Email a single-use link; earlier unused links of the same kind stop working."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = new_token()
    expires_at = now + _lifetime(purpose)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    if purpose == TokenPurpose.ACTIVATION:
        queue_email(
            user.email,
            "account_activation",
            "Set up your SEP Portal account",
            firm_id=user.firm_id,
            user=user,
            invited_by=invited_by,
            link=external_url("auth.activate", token=token),
            expires_at=expires_at,
        )
    else:
        queue_email(
            user.email,
            "password_reset",
            "Reset your SEP Portal password",
            firm_id=user.firm_id,
            user=user,
            link=external_url("auth.reset_password", token=token),
            expires_at=expires_at,
        )


def record_reset_request(email: str) -> None:
    """The request page's whole work, the same for every address (issue 9, item 6)."""
    email = normalize_email(email)[:254]
    db.session.add(PasswordResetRequest(email=email, requested_at=utcnow()))
    audit.record("auth.reset_requested", detail=f"email={email}")


def send_requested_reset_links(limit: int = 200) -> int:
    """For each waiting request, email a link if the address has an account; returns how many.

    Run by the mail worker before each delivery, which commits the claims and their
    emails together. Each request is claimed with a conditional UPDATE, so two
    workers at once never send one link twice (the second waits on the first's row
    lock, then finds the request handled).
    """
    waiting = db.session.scalars(
        select(PasswordResetRequest)
        .where(PasswordResetRequest.handled_at.is_(None))
        .order_by(PasswordResetRequest.id)
        .limit(limit)
    ).all()
    handled = 0
    for request_row in waiting:
        claimed = db.session.execute(
            update(PasswordResetRequest)
            .where(
                PasswordResetRequest.id == request_row.id,
                PasswordResetRequest.handled_at.is_(None),
            )
            .values(handled_at=utcnow())
        ).rowcount
        if claimed == 1:
            request_password_reset(request_row.email)
            handled += 1
    return handled


mail.BEFORE_DELIVERY.append(send_requested_reset_links)


def request_password_reset(email: str) -> None:
    """Send a reset (or, for an account never set up, an activation) link; the caller commits.

    Decided by the mail worker, never on the request page (see record_reset_request).
    """
    user = find_user_by_email(email)
    if user is None or user.status == UserStatus.DEACTIVATED:
        audit.record("auth.reset_requested_unknown", detail=f"email={normalize_email(email)[:254]}")
    elif user.status == UserStatus.INVITED:
        send_account_link(user, TokenPurpose.ACTIVATION)
        audit.record("auth.activation_resent", user, firm_id=user.firm_id)
    else:
        send_account_link(user, TokenPurpose.RESET)
        audit.record("auth.reset_requested", user, firm_id=user.firm_id)


def usable_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token row for a link, or None."""
    if not looks_like_token(token):
        return None
    row = db.session.scalars(
        select(AccountToken).where(AccountToken.token_hash == hash_token(token))
    ).first()
    if row is None or row.purpose != purpose or row.used_at is not None:
        return None
    if row.expires_at <= utcnow() or row.user.status == UserStatus.DEACTIVATED:
        return None
    return row


def redeem_token(
    token: str, purpose: TokenPurpose, password: str, *, timezone: str | None = None
) -> User | None:
    """Use a link once to set a password. None if the link is no longer good.

    At activation the person also gives their time zone (issue 16), so dates are
    shown in their own zone from the first page, not in Eastern time.
    """
    if timezone is not None and not is_valid_timezone(timezone):
        raise AccountError("Choose a time zone from the list.")
    row = usable_token(token, purpose)
    if row is None:
        return None
    # Mark used with a conditional update, so two tabs cannot both use one link.
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        # Another tab used the link first; this call wrote nothing, so there is nothing to undo.
        return None
    user = row.user
    if purpose == TokenPurpose.ACTIVATION:
        if timezone:
            user.timezone = timezone
        activate_with_password(user, password)
        end_all_sessions(user)
    else:
        set_password(user, password)
        audit.record("auth.password_reset", user, firm_id=user.firm_id, actor=user)
    # A new password is the way out of a paused account (the email says so).
    limits.clear_account_failures(user.email)
    return user
