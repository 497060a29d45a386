"""The program manager's allowance for FDA staff to sign in with the authenticator app.

An FDA page under /admin/users, kept apart from the person's own account pages.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.audiences import Audience, audience_blueprint
from portal.auth import keys, recovery
from portal.auth.key_forms import RecoveryAllowanceForm
from portal.auth.models import User
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.security import access

bp = audience_blueprint("sign_in_recovery", __name__, audience=Audience.FDA)


def _user_or_404(user_id: uuid.UUID) -> User:
    """Any account, as on the other account pages of the program manager; for a firm
    account the page says that no allowance is needed and the service refuses one."""
    user = db.session.scalars(select(User).where(User.public_id == user_id)).first()
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<uuid:user_id>/sign-in-recovery", methods=["GET", "POST"])
@access.fda_admin
def allowance(user_id: uuid.UUID):
    person = _user_or_404(user_id)
    form = RecoveryAllowanceForm()
    status = 200
    if form.validate_on_submit():
        try:
            until = recovery.allow(
                person,
                days=int(form.days.data),
                by=current_user._get_current_object(),
                reason=form.reason.data,
            )
        except (recovery.RecoveryError, ValueError) as error:
            form.days.errors = [str(error)]
            status = 400
        else:
            db.session.commit()
            flash(
                f"{person.full_name} may sign in with the authenticator app until "
                f"{until:%d %B %Y, %H:%M} UTC.",
                "success",
            )
            return redirect(url_for("sign_in_recovery.allowance", user_id=person.public_id))
    elif form.is_submitted():
        status = 400
    return render_template(
        "auth/sign_in_recovery.html",
        person=person,
        form=form,
        withdraw_form=ConfirmForm(prefix="withdraw"),
        allowed_until=recovery.allowed_until(person),
        key_count=len(keys.active_credentials(person)),
    ), status


@bp.route("/admin/users/<uuid:user_id>/sign-in-recovery/withdraw", methods=["POST"])
@access.fda_admin
def withdraw(user_id: uuid.UUID):
    person = _user_or_404(user_id)
    if ConfirmForm(prefix="withdraw").validate_on_submit():
        try:
            recovery.withdraw(person, by=current_user._get_current_object())
        except recovery.RecoveryError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"{person.full_name} can no longer sign in with the app.", "success")
    return redirect(url_for("sign_in_recovery.allowance", user_id=person.public_id))
