"""Signing in and out, second factor, activation and reset links, one's own account."""

from __future__ import annotations

import time

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from portal.auth import keys, recovery, services, totp
from portal.auth.blueprints import sign_in as bp
from portal.auth.forms import (
    ActivateForm,
    EnrolSecondFactorForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    SecondFactorForm,
)
from portal.auth.models import TokenPurpose, User
from portal.auth.pages import (
    ENROL_CODE_WRONG,
    enrolment_page,
    new_password_problem,
    next_or_home,
    pending_user,
    restart_sign_in,
    second_factor_attempts,
)
from portal.extensions import db, limiter
from portal.security import access, limits, passwords
from portal.security.limits import (
    email_link_limit,
    login_account_limit,
    login_address_limit,
    login_failed,
    login_pair_key,
)
from portal.urls import is_safe_next

LOGIN_FAILED_MESSAGE = "The email address or password is not right. Check them and try again."


# --- sign-in --------------------------------------------------------------------


def _count_failure(email: str) -> None:
    """One more failure towards the account's ceiling; at the ceiling, its owner is told."""
    g.login_failed = True
    if limits.count_account_failure(email) == limits.failure_ceiling():
        services.sign_in_paused(email, ceiling=limits.failure_ceiling())
    # A refusal is still a change to keep: the failure's audit event, a used-up code step.
    db.session.commit()


def _refuse_at_ceiling(email: str) -> None:
    """The same page as any other throttle, for known and unknown accounts alike."""
    if request.method == "POST" and limits.at_ceiling(email):
        abort(429)


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(
    login_account_limit,
    key_func=login_pair_key,
    methods=["POST"],
    deduct_when=login_failed,
    scope="login-pair",
)
@limiter.limit(
    login_address_limit, methods=["POST"], deduct_when=login_failed, scope="login-address"
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    target = request.args.get("next")
    if form.validate_on_submit():
        _refuse_at_ceiling(form.email.data)
        user = services.check_credentials(form.email.data, form.password.data)
        if user is None:
            db.session.commit()
            _count_failure(form.email.data)
            form.password.errors = [LOGIN_FAILED_MESSAGE]
            return render_template("auth/login.html", form=form), 200
        has_key = keys.has_key(user)
        if has_key or user.has_second_factor or user.second_factor_required:
            session.clear()
            session["pending_uid"] = str(user.public_id)
            session["pending_sv"] = user.session_version
            session["pending_at"] = time.time()
            if is_safe_next(target):
                session["pending_next"] = target
            db.session.commit()
            return redirect(url_for(_second_step(user, has_key=has_key)))
        services.complete_login(user)
        db.session.commit()
        return redirect(next_or_home(target))
    return render_template("auth/login.html", form=form)


def _second_step(user: User, *, has_key: bool) -> str:
    """Where the password step leads: the key if there is one; TOTP where allowed
    (firm users; FDA users only under a recovery allowance); else FDA users register a key."""
    if has_key:
        return "auth.key_sign_in"
    if recovery.totp_allowed(user):
        return "auth.second_factor"
    if user.second_factor_required:
        return "auth.register_key_at_login"
    return "auth.second_factor"


@bp.route("/login/code", methods=["GET", "POST"])
@access.public
@second_factor_attempts
def second_factor():
    user = pending_user()
    if user is None or not recovery.totp_allowed(user):
        return restart_sign_in()
    form = SecondFactorForm()
    _refuse_at_ceiling(user.email)
    if form.validate_on_submit():
        if services.check_second_factor(user, form.code.data):
            target = session.get("pending_next")
            services.complete_login(user)
            db.session.commit()
            if user.second_factor_required and not keys.has_key(user):
                flash(
                    "You signed in with your recovery allowance. Register a security key "
                    "before it ends: FDA accounts need one.",
                    "warning",
                )
                target = url_for("account.security_keys")
            remaining = totp.remaining_recovery_codes(user)
            if remaining <= 3:
                flash(
                    f"You have {remaining} recovery codes left. "
                    "Make new ones on your account page.",
                    "warning",
                )
            return redirect(next_or_home(target))
        _count_failure(user.email)
        form.code.errors = ["That code is not right or has already been used. Try the newest code."]
    return render_template(
        "auth/second_factor.html",
        form=form,
        has_key=keys.has_key(user),
        allowed_until=recovery.allowed_until(user) if user.is_fda else None,
    )


@bp.route("/login/set-up-two-step", methods=["GET", "POST"])
@access.public
@second_factor_attempts
def enrol_at_login():
    """An FDA user under a recovery allowance who has no authenticator app yet sets one up."""
    user = pending_user()
    if user is None or not recovery.may_enrol_totp_at_sign_in(user):
        return restart_sign_in()
    secret = session.get("pending_secret")
    if not secret:
        secret = totp.new_secret()
        session["pending_secret"] = secret
    form = EnrolSecondFactorForm()
    _refuse_at_ceiling(user.email)
    if form.validate_on_submit():
        codes = services.enable_second_factor(user, secret, form.code.data)
        if codes is not None:
            target = session.get("pending_next")
            services.complete_login(user)
            db.session.commit()
            return render_template(
                "auth/recovery_codes_at_login.html",
                codes=codes,
                continue_url=next_or_home(target),
            )
        _count_failure(user.email)
        form.code.errors = [ENROL_CODE_WRONG]
    return enrolment_page(form, user, secret, at_login=True)


# --- links by email -------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@access.public
@limiter.limit(email_link_limit, methods=["POST"], scope="email-link")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Whether the account exists must not show in the answer, nor in how long it takes
        # (issue 9: 8.7 ms known against 6.1 ms unknown): the page only records the request;
        # the mail worker decides (services.send_requested_reset_links).
        services.record_reset_request(form.email.data)
        db.session.commit()
        from portal.mail import mail_transport

        if mail_transport() == "outbox":
            # Development keeps mail in the outbox and runs no mail worker: decide at once,
            # so a newcomer finds the link there.
            services.send_requested_reset_links()
            db.session.commit()
        return render_template("auth/link_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


def _password_link_page(token: str, purpose: TokenPurpose, template: str):
    row = services.usable_token(token, purpose)
    if row is None:
        return render_template("auth/link_invalid.html", purpose=purpose), 404
    activating = purpose == TokenPurpose.ACTIVATION
    user = row.user
    form = ActivateForm(data={"timezone": user.timezone}) if activating else NewPasswordForm()
    if form.validate_on_submit():
        problem = new_password_problem(user, form.password.data)
        zone = form.timezone.data if activating else None
        if problem:
            form.password.errors = [problem]
        else:
            try:
                redeemed = services.redeem_token(token, purpose, form.password.data, timezone=zone)
            except services.AccountError as error:
                form.timezone.errors = [str(error)]
            else:
                if redeemed is None:
                    return render_template("auth/link_invalid.html", purpose=purpose), 404
                db.session.commit()
                if activating:
                    message = "Your account is ready. Sign in with your new password."
                else:
                    message = "Your password has been changed. Sign in with the new one."
                flash(message, "success")
                return redirect(url_for("auth.login"))
    minimum = passwords.minimum_length(
        has_second_factor=user.has_second_factor or user.second_factor_required
    )
    response = render_template(template, form=form, user=user, minimum=minimum)
    return response


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access.public
def reset_password(token: str):
    return _password_link_page(token, TokenPurpose.RESET, "auth/reset_password.html")


@bp.route("/activate/<token>", methods=["GET", "POST"])
@access.public
def activate(token: str):
    return _password_link_page(token, TokenPurpose.ACTIVATION, "auth/activate.html")
