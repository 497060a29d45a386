"""The firm's pages of a meeting's record (SPEC 7a): published versions only.

Nothing here reads FDA's working copy (``MeetingRecord``, FdaOnly: the firm's session
could not even if it tried): a meeting whose record was never published has no
version, and its record page answers 404 like a record that does not exist.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.extensions import db
from portal.forms import ConfirmForm, show_error
from portal.meetings import queries as meeting_queries
from portal.meetings.models import Meeting
from portal.minutes import services
from portal.minutes.forms import CommentForm
from portal.minutes.models import MeetingRecordVersion
from portal.security import access
from portal.security.scoping import get_owned_or_404

bp = audience_blueprint("firm_minutes", __name__, audience=Audience.FIRM)
# Both audiences' record pages name the changed sections; the filter is the app's.
bp.add_app_template_filter(services.section_label, "section_label")


def _published(meeting_id: uuid.UUID) -> tuple[Meeting, MeetingRecordVersion]:
    meeting = get_owned_or_404(Meeting, meeting_id, *meeting_queries.with_engagement())
    version = services.latest_version(meeting)
    if version is None:
        abort(404)
    audit.record_view(version)
    return meeting, version


def _page(meeting, version, comment_form):
    return render_template(
        "minutes/firm_record.html",
        meeting=meeting,
        version=version,
        versions=services.versions(meeting),
        replies=services.replies(meeting),
        acknowledged=services.acknowledged_by(version, current_user),
        ack_form=ConfirmForm(formdata=None),
        comment_form=comment_form,
    )


@bp.route("/firm/meetings/<uuid:meeting_id>/record")
@access.firm_user
def record(meeting_id: uuid.UUID):
    meeting, version = _published(meeting_id)
    return _page(meeting, version, CommentForm(formdata=None))


@bp.route("/firm/meetings/<uuid:meeting_id>/record/acknowledge", methods=["POST"])
@access.firm_user
def acknowledge(meeting_id: uuid.UUID):
    meeting, version = _published(meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.acknowledge(version, by=current_user._get_current_object())
        db.session.commit()
        flash(f"You have acknowledged version {version.number} of the record.", "success")
    return redirect(url_for("firm_minutes.record", meeting_id=meeting.public_id))


@bp.route("/firm/meetings/<uuid:meeting_id>/record/comments", methods=["POST"])
@access.firm_user
def comment(meeting_id: uuid.UUID):
    meeting, version = _published(meeting_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.comment(version, form.body.data, by=current_user._get_current_object())
        except services.RecordError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Comment sent. FDA reads it beside the record.", "success")
            return redirect(url_for("firm_minutes.record", meeting_id=meeting.public_id))
    return _page(meeting, version, form)


@bp.route("/firm/meetings/<uuid:meeting_id>/record/versions/<int:number>")
@access.firm_user
def version(meeting_id: uuid.UUID, number: int):
    meeting, _latest = _published(meeting_id)
    chosen = next((v for v in services.versions(meeting) if v.number == number), None)
    if chosen is None:
        abort(404)
    return render_template("minutes/firm_version.html", meeting=meeting, version=chosen)


@bp.route("/firm/meetings/<uuid:meeting_id>/record/print")
@access.firm_user
def printable(meeting_id: uuid.UUID):
    meeting, version = _published(meeting_id)
    return render_template("minutes/firm_print.html", meeting=meeting, version=version)
