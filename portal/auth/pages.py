"""What the sign-in, account and security-key pages share: the pending second step,
the authenticator set-up page, the password rules and where to go afterwards."""

from __future__ import annotations

import time
import uuid

from flask import flash, redirect, render_template, session, url_for
from sqlalchemy import select

from portal.auth import services, totp
from portal.auth.models import User, UserStatus
from portal.extensions import db, limiter
from portal.security import passwords
from portal.security.limits import login_account_limit, login_failed, pending_user_key
from portal.urls import is_safe_next

#: How long the step between password and code may take.
PENDING_LIFETIME_SECONDS = 300

ENROL_CODE_WRONG = "That code is not right. Check the key you typed and try the newest code."


def enrolment_page(form, user: User, secret: str, *, at_login: bool) -> str:
    """Setting up the authenticator: at sign-in (FDA recovery) or from the account page."""
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "auth/enrol_at_login.html" if at_login else "auth/enrol.html",
        form=form,
        secret=totp.grouped(secret),
        uri=uri,
        qr_svg=totp.qr_svg(uri),
        at_login=at_login,
    )


def next_or_home(target: str | None) -> str:
    """Where a signed-in person goes: the page they asked for, if it is ours, else home."""
    return target if is_safe_next(target) else url_for("home.index")


#: Guesses at the 6-digit code, counted per person and address across both code pages.
second_factor_attempts = limiter.shared_limit(
    login_account_limit,
    scope="login-code",
    key_func=pending_user_key,
    methods=["POST"],
    deduct_when=login_failed,
)


def restart_sign_in():
    flash("Sign in again: that step took too long or was not started.", "info")
    return redirect(url_for("auth.login"))


def pending_user() -> User | None:
    """The person who gave the right password and now owes the second factor."""
    raw_id = session.get("pending_uid")
    started = session.get("pending_at", 0)
    if not raw_id or time.time() - started > PENDING_LIFETIME_SECONDS:
        return None
    try:
        public_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    user = db.session.scalars(select(User).where(User.public_id == public_id)).first()
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    if user.session_version != session.get("pending_sv"):
        return None
    return user


def new_password_problem(user: User, password: str) -> str | None:
    return passwords.check_new_password(
        password,
        has_second_factor=user.has_second_factor or user.second_factor_required,
        context_words=services.context_words(user),
    )
