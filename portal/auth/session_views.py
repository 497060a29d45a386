"""Your sessions: the browsers signed in to your account, and signing them out."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from portal.auth import sessions
from portal.auth.blueprints import account as bp
from portal.auth.key_forms import EndSessionForm
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.security import access

sessions.register_hooks(bp)


@bp.route("/account/sessions/end", methods=["POST"])
@access.signed_in
def end_session():
    user = current_user._get_current_object()
    form = EndSessionForm()
    if form.validate_on_submit():
        try:
            sessions.end_one(user, form.session.data or "")
        except sessions.SessionError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("That session is signed out.", "success")
    return redirect(url_for("account.account") + "#sessions-heading")


@bp.route("/account/sessions/end-others", methods=["POST"])
@access.signed_in
def end_other_sessions():
    user = current_user._get_current_object()
    if ConfirmForm().validate_on_submit():
        ended = sessions.end_others(user)
        db.session.commit()
        flash(f"Signed out of {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("account.account") + "#sessions-heading")
