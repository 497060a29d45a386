"""The program manager's pages: FDA accounts and program settings."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.admin.forms import NewFdaUserForm, settings_form_class
from portal.audiences import Audience, audience_blueprint
from portal.auth import services as accounts
from portal.auth.models import FDA_ROLES, Role, TokenPurpose, User, UserStatus
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.program import settings as program_settings
from portal.security import access

bp = audience_blueprint("admin", __name__, audience=Audience.FDA, url_prefix="/admin")


def _user_or_404(user_id: uuid.UUID) -> User:
    """Any account: the program manager may also deactivate a firm account whose
    holder left the firm, when the firm has nobody else to do it."""
    user = db.session.scalars(select(User).where(User.public_id == user_id)).first()
    if user is None:
        abort(404)
    return user


#: The program manager's tools, shown on the Administration page when they exist.
ADMIN_PAGES = (
    ("admin.users", "FDA accounts", "Add FDA staff, deactivate accounts, resend set-up links."),
    ("admin.settings", "Program settings", "Inspection window, link expiry, deadlines, surveys."),
    ("feedback.templates", "Survey templates", "The questions firms answer after each meeting."),
    ("audit.index", "Audit log", "Every view and change of firm records; search and export."),
    ("outbox.index", "Outbox", "Every email the portal has sent or will send."),
    ("api_tokens.index", "API tokens", "Access for FDA information systems to the read-only API."),
)


@bp.route("")
@access.fda_admin
def index():
    pages = [
        {"url": url_for(endpoint), "title": title, "summary": summary}
        for endpoint, title, summary in ADMIN_PAGES
        if endpoint in current_app.view_functions
    ]
    return render_template("admin/index.html", pages=pages)


@bp.route("/users")
@access.fda_admin
def users():
    people = db.session.scalars(
        select(User).where(User.role.in_(list(FDA_ROLES))).order_by(User.full_name)
    ).all()
    return render_template("admin/users.html", people=people)


@bp.route("/users/new", methods=["GET", "POST"])
@access.fda_admin
def new_user():
    form = NewFdaUserForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(
                email=form.email.data,
                full_name=form.full_name.data,
                title=form.title.data or "",
                role=Role(form.role.data),
                invited_by=current_user._get_current_object(),
            )
        except accounts.AccountError as error:
            form.email.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"Account created. {form.full_name.data} will get an email with a set-up link.",
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<uuid:user_id>/deactivate", methods=["GET", "POST"])
@access.fda_admin
def deactivate_user(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.deactivate_user(user, by=current_user._get_current_object())
        except accounts.AccountError as error:
            flash(str(error), "error")
            return redirect(url_for("admin.users"))
        db.session.commit()
        flash(f"{user.full_name} can no longer sign in. Their sessions have ended.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_deactivate.html", user=user, form=form)


@bp.route("/users/<uuid:user_id>/reactivate", methods=["POST"])
@access.fda_admin
def reactivate_user(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    if user.status == UserStatus.DEACTIVATED:
        accounts.reactivate_user(user)
        db.session.commit()
        flash(f"{user.full_name} can sign in again.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<uuid:user_id>/resend", methods=["POST"])
@access.fda_admin
def resend_activation(user_id: uuid.UUID):
    user = _user_or_404(user_id)
    if user.status == UserStatus.INVITED:
        accounts.send_account_link(user, TokenPurpose.ACTIVATION, invited_by=current_user)
        db.session.commit()
        flash(f"A new set-up link has gone to {user.email}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@access.fda_admin
def settings():
    form_class = settings_form_class()
    current = program_settings.all_settings()
    form = form_class(data=current)
    if form.validate_on_submit():
        values = {
            d.key: getattr(form, d.key).data
            for d in (*program_settings.DEFINITIONS, *program_settings.TEXT_DEFINITIONS)
        }
        try:
            changed = program_settings.update_settings(values, by_user=current_user)
        except program_settings.SettingError as error:
            form.inspection_window_start_fy.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                f"Saved {len(changed)} changed setting{'s' if len(changed) != 1 else ''}."
                if changed
                else "Nothing had changed.",
                "success",
            )
            return redirect(url_for("admin.settings"))
    return render_template(
        "admin/settings.html",
        form=form,
        definitions=program_settings.DEFINITIONS,
        text_definitions=program_settings.TEXT_DEFINITIONS,
    )
