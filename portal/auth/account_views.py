"""One's own account: details, password, two-step sign-in, and the idle-timeout warning."""

from __future__ import annotations

import time

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.auth import keys, recovery, services, sessions, totp
from portal.auth.blueprints import account as bp
from portal.auth.forms import (
    ChangePasswordForm,
    DisableSecondFactorForm,
    EnrolSecondFactorForm,
    ProfileForm,
)
from portal.auth.pages import ENROL_CODE_WRONG, enrolment_page, new_password_problem
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.meetings import feed as calendar_feed
from portal.security import access, passwords
from portal.urls import is_safe_next

# --- one's own account -----------------------------------------------------------------


@bp.route("/logout", methods=["POST"])
@access.signed_in
def logout():
    services.logout(current_user._get_current_object())
    db.session.commit()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@access.signed_in
def account():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.full_name = form.full_name.data
        user.title = form.title.data or ""
        user.timezone = form.timezone.data
        services.audit.record("user.update_profile", user)
        db.session.commit()
        flash("Your details have been saved.", "success")
        return redirect(url_for("account.account"))
    return render_template(
        "auth/account.html",
        form=form,
        recovery_left=totp.remaining_recovery_codes(user) if user.has_second_factor else 0,
        credentials=keys.active_credentials(user),
        recovery_until=recovery.allowed_until(user) if user.is_fda else None,
        user_sessions=sessions.live_sessions(user),
        this_session=sessions.current_token_hash(),
        device_label=sessions.device_label,
        end_others_form=ConfirmForm(),
        calendar_feed=calendar_feed.live_feed(user),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@access.signed_in
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problem = new_password_problem(user, form.password.data)
        if problem:
            form.password.errors = [problem]
        else:
            try:
                services.change_password(user, form.current.data, form.password.data)
            except services.AccountError as error:
                form.current.errors = [str(error)]
            else:
                db.session.commit()
                flash(
                    "Your password has been changed. You were signed out everywhere else.",
                    "success",
                )
                return redirect(url_for("account.account"))
    minimum = passwords.minimum_length(
        has_second_factor=user.has_second_factor or user.second_factor_required
    )
    return render_template("auth/change_password.html", form=form, minimum=minimum)


@bp.route("/account/two-step", methods=["GET", "POST"])
@access.signed_in
def two_step():
    """Firm users may add TOTP here; FDA users, who already have it, renew recovery codes."""
    user = current_user._get_current_object()
    if user.has_second_factor:
        return render_template(
            "auth/two_step_on.html",
            renew_form=ConfirmForm(prefix="renew"),
            disable_form=DisableSecondFactorForm(prefix="off"),
            recovery_left=totp.remaining_recovery_codes(user),
        )
    secret = session.get("enrol_secret") or totp.new_secret()
    session["enrol_secret"] = secret
    form = EnrolSecondFactorForm()
    if form.validate_on_submit():
        codes = services.enable_second_factor(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            session.pop("enrol_secret", None)
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_url=url_for("account.account")
            )
        form.code.errors = [ENROL_CODE_WRONG]
    return enrolment_page(form, user, secret, at_login=False)


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@access.signed_in
def renew_recovery_codes():
    user = current_user._get_current_object()
    form = ConfirmForm(prefix="renew")
    if not user.has_second_factor or not form.validate_on_submit():
        return redirect(url_for("account.two_step"))
    codes = totp.new_recovery_codes(user)
    services.audit.record("auth.recovery_codes_renewed", user)
    db.session.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, continue_url=url_for("account.account")
    )


@bp.route("/account/two-step/off", methods=["POST"])
@access.signed_in
def disable_two_step():
    user = current_user._get_current_object()
    form = DisableSecondFactorForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable_second_factor(user, form.password.data)
        except services.AccountError as error:
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            flash("Two-step sign-in is off. You sign in with your password alone.", "success")
            return redirect(url_for("account.account"))
    return render_template(
        "auth/two_step_on.html",
        renew_form=ConfirmForm(prefix="renew"),
        disable_form=form,
        recovery_left=totp.remaining_recovery_codes(user),
    ), 400


# --- the idle-timeout warning ------------------------------------------------------------


@bp.route("/session/status")
@access.signed_in
def session_status():
    """Seconds left before the idle timeout, for the warning script. Does not extend it."""
    idle = current_app.config["IDLE_TIMEOUT"].total_seconds()
    remaining = max(0, int(idle - (time.time() - session.get("seen_at", 0))))
    return jsonify(remaining=remaining)


@bp.route("/session/keep-alive", methods=["POST"])
@access.signed_in
def keep_alive():
    """The "Stay signed in" button: the idle clock starts again now (other pages move it
    only once it is a little stale, security.hooks.SEEN_AT_STEP)."""
    session["seen_at"] = time.time()
    idle = int(current_app.config["IDLE_TIMEOUT"].total_seconds())
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(remaining=idle)
    flash("You are still signed in.", "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("home.index"))
