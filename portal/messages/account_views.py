"""A person's own choice of message notices: at once, or in a daily digest (SPEC 14)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.extensions import db
from portal.forms import show_error
from portal.messages import services
from portal.messages.forms import NoticePreferenceForm
from portal.security import access

bp = audience_blueprint("message_notices", __name__, audience=Audience.ACCOUNT)


@bp.route("/account/message-notices", methods=["GET", "POST"])
@access.signed_in
def preference():
    user = current_user._get_current_object()
    form = NoticePreferenceForm()
    if form.validate_on_submit():
        try:
            chosen = services.set_notice_mode(user, form.mode.data)
        except services.MessageError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Saved: {chosen.label.lower()}.", "success")
            return redirect(url_for("message_notices.preference"))
    elif not form.is_submitted():
        form.mode.data = services.notice_mode(user).value
    return render_template("messages/preference.html", form=form)
