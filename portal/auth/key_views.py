"""Security keys and passkeys: at sign-in, at first sign-in of FDA staff, on the account page.

The browser part is static/js/webauthn.js: it asks an ``…/options`` URL for the
options (JSON, CSRF token in a header), lets the authenticator answer, puts the
answer in the form's hidden ``credential`` field and submits the form. Without
JavaScript the pages say so and offer the other factor where it is allowed.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.auth import keys, recovery, services
from portal.auth.blueprints import account
from portal.auth.blueprints import sign_in as bp
from portal.auth.key_forms import (
    KeySignInForm,
    PasskeySignInForm,
    RegisterKeyForm,
    RemoveKeyForm,
)
from portal.auth.pages import (
    next_or_home,
    pending_user,
    restart_sign_in,
    second_factor_attempts,
)
from portal.extensions import db, limiter
from portal.security import access
from portal.security.limits import login_address_limit, login_failed

#: Anyone may ask for passkey options, and each answer stores a challenge: bounded per address.
OPTIONS_LIMIT = "30 per minute"


def _options(body: str) -> Response:
    return Response(body, mimetype="application/json")


def _wants_passkey() -> bool:
    data = request.get_json(silent=True) or {}
    return data.get("kind") == "passkey"


def _finish_sign_in(user):
    target = session.get("pending_next")
    services.complete_login(user)
    db.session.commit()
    return redirect(next_or_home(target))


# --- password, then key ------------------------------------------------------------------


@bp.route("/login/key", methods=["GET", "POST"])
@access.public
@second_factor_attempts
def key_sign_in():
    user = pending_user()
    if user is None or not keys.has_key(user):
        return restart_sign_in()
    form = KeySignInForm()
    problem = None
    if form.validate_on_submit():
        try:
            keys.authenticate(form.credential.data or "", user)
        except keys.KeyRefused as error:
            db.session.commit()  # the refusal's audit event and the spent challenge stay
            g.login_failed = True
            problem = str(error)
        else:
            return _finish_sign_in(user)
    return render_template(
        "auth/key_sign_in.html",
        form=form,
        problem=problem,
        totp_allowed=recovery.totp_allowed(user),
        is_fda=user.is_fda,
    )


@bp.route("/login/key/options", methods=["POST"])
@access.public
@limiter.limit(OPTIONS_LIMIT, scope="webauthn-options")
def key_sign_in_options():
    user = pending_user()
    if user is None or not keys.has_key(user):
        return _options('{"error": "Sign in again: that step took too long."}'), 409
    options = keys.authentication_options(user)
    db.session.commit()  # the challenge must be there when the answer comes back
    return _options(options)


# --- FDA staff without a key register one before anything else ----------------------------


@bp.route("/login/register-key", methods=["GET", "POST"])
@access.public
@second_factor_attempts
def register_key_at_login():
    user = pending_user()
    if user is None or not user.second_factor_required or keys.has_key(user):
        return restart_sign_in()
    form = RegisterKeyForm()
    problem = None
    if form.validate_on_submit():
        try:
            keys.register(
                user,
                form.credential.data or "",
                name=form.name.data,
                passkey=form.kind.data == "passkey",
            )
        except keys.KeyRefused as error:
            db.session.commit()  # the refusal's audit event and the spent challenge stay
            g.login_failed = True
            problem = str(error)
        else:
            flash("Your security key is registered. Use it each time you sign in.", "success")
            return _finish_sign_in(user)
    return render_template(
        "auth/register_key.html",
        form=form,
        problem=problem,
        at_login=True,
        options_url=url_for("auth.register_key_at_login_options"),
        may_enrol_totp=recovery.may_enrol_totp_at_sign_in(user),
    )


@bp.route("/login/register-key/options", methods=["POST"])
@access.public
@limiter.limit(OPTIONS_LIMIT, scope="webauthn-options")
def register_key_at_login_options():
    user = pending_user()
    if user is None or not user.second_factor_required or keys.has_key(user):
        return _options('{"error": "Sign in again: that step took too long."}'), 409
    options = keys.registration_options(user, passkey=_wants_passkey())
    db.session.commit()  # the challenge must be there when the answer comes back
    return _options(options)


# --- a passkey alone ---------------------------------------------------------------------


@bp.route("/login/passkey", methods=["POST"])
@access.public
@limiter.limit(
    login_address_limit, methods=["POST"], deduct_when=login_failed, scope="login-address"
)
def passkey_sign_in():
    form = PasskeySignInForm()
    if form.validate_on_submit():
        try:
            user = keys.authenticate(form.credential.data or "", None)
        except keys.KeyRefused as error:
            db.session.commit()  # the refusal's audit event and the spent challenge stay
            g.login_failed = True
            flash(str(error), "error")
        else:
            target = request.args.get("next")
            services.complete_login(user)
            db.session.commit()
            return redirect(next_or_home(target))
    else:
        flash("Sign in again: that page had expired.", "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/passkey/options", methods=["POST"])
@access.public
@limiter.limit(OPTIONS_LIMIT, scope="webauthn-options")
def passkey_sign_in_options():
    options = keys.authentication_options(None)
    db.session.commit()  # the challenge must be there when the answer comes back
    return _options(options)


# --- one's own keys ----------------------------------------------------------------------


def _keys_page(form: RegisterKeyForm, problem=None, status=200):
    user = current_user._get_current_object()
    return render_template(
        "auth/security_keys.html",
        credentials=keys.active_credentials(user),
        form=form,
        problem=problem,
        options_url=url_for("account.security_key_options"),
    ), status


@account.route("/account/keys", methods=["GET", "POST"])
@access.signed_in
def security_keys():
    user = current_user._get_current_object()
    form = RegisterKeyForm()
    if form.validate_on_submit():
        try:
            credential = keys.register(
                user,
                form.credential.data or "",
                name=form.name.data,
                passkey=form.kind.data == "passkey",
            )
        except keys.KeyRefused as error:
            db.session.commit()  # the refusal's audit event and the spent challenge stay
            return _keys_page(form, str(error), 400)
        db.session.commit()
        flash(f"“{credential.name}” is registered.", "success")
        return redirect(url_for("account.security_keys"))
    return _keys_page(form)


@account.route("/account/keys/options", methods=["POST"])
@access.signed_in
def security_key_options():
    user = current_user._get_current_object()
    options = keys.registration_options(user, passkey=_wants_passkey())
    db.session.commit()  # the challenge must be there when the answer comes back
    return _options(options)


@account.route("/account/keys/remove", methods=["GET", "POST"])
@access.signed_in
def remove_security_key():
    """Confirm with the password (re-authentication), then remove; ``?key=`` names the key."""
    user = current_user._get_current_object()
    form = RemoveKeyForm()
    wanted = request.args.get("key", "") if request.method == "GET" else form.key.data or ""
    credential = next(
        (c for c in keys.active_credentials(user) if str(c.public_id) == wanted), None
    )
    if credential is None:
        flash("That key is not registered to your account.", "error")
        return redirect(url_for("account.security_keys"))
    form.key.data = str(credential.public_id)
    status = 200
    if form.validate_on_submit():
        try:
            keys.remove(user, wanted, form.password.data)
        except keys.KeyRefused as error:
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"“{credential.name}” is removed and can no longer sign you in.", "success")
            return redirect(url_for("account.security_keys"))
    if request.method == "POST":
        status = 400
    return render_template(
        "auth/security_key_remove.html", form=form, credential=credential
    ), status
