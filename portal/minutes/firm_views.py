"""The firm's pages of a meeting's record (SPEC 7a): published versions only.

Each page is a ``MeetingRecordVersion``, which exists only once FDA publishes; nothing
here reads FDA's working copy (``MeetingRecord``, FdaOnly: the firm's session could not
even if it tried). A draft therefore has no firm URL at all.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.audiences import Audience, audience_blueprint
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.extensions import db
from portal.forms import ConfirmForm, show_error
from portal.minutes import services
from portal.minutes.forms import CommentForm
from portal.minutes.models import MeetingRecordVersion
from portal.security import access
from portal.security.scoping import get_owned_or_404

bp = audience_blueprint("firm_minutes", __name__, audience=Audience.FIRM)
# Both audiences' record pages name the changed sections; the filter is the app's.
bp.add_app_template_filter(services.section_label, "section_label")


def load_version(version_id: uuid.UUID) -> MeetingRecordVersion:
    return get_owned_or_404(
        MeetingRecordVersion,
        version_id,
        *services.version_loads(),
    )


def _page(version: MeetingRecordVersion, comment_form: CommentForm):
    meeting = version.meeting
    versions = services.versions(meeting)
    return render_template(
        "minutes/firm_record.html",
        meeting=meeting,
        version=version,
        latest=versions[0],
        versions=versions,
        replies=services.replies(meeting),
        acknowledged=services.acknowledged_by(version, current_user),
        ack_form=ConfirmForm(formdata=None),
        comment_form=comment_form,
        documents=document_queries.record_documents(meeting.id, up_to=version.number),
        may_withdraw=_may_withdraw,
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/firm/meeting-records/<uuid:meeting_record_version_id>")
@access.firm_user
def record(meeting_record_version_id: uuid.UUID):
    return _page(load_version(meeting_record_version_id), CommentForm(formdata=None))


@bp.route("/firm/meeting-records/<uuid:meeting_record_version_id>/acknowledge", methods=["POST"])
@access.firm_user
def acknowledge(meeting_record_version_id: uuid.UUID):
    version = load_version(meeting_record_version_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.acknowledge(version, by=current_user._get_current_object())
        db.session.commit()
        flash(f"You have acknowledged version {version.number} of the record.", "success")
    return redirect(url_for("firm_minutes.record", meeting_record_version_id=version.public_id))


@bp.route("/firm/meeting-records/<uuid:meeting_record_version_id>/comments", methods=["POST"])
@access.firm_user
def comment(meeting_record_version_id: uuid.UUID):
    version = load_version(meeting_record_version_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.comment(version, form.body.data, by=current_user._get_current_object())
        except services.RecordError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Comment sent. FDA reads it beside the record.", "success")
            return redirect(
                url_for("firm_minutes.record", meeting_record_version_id=version.public_id)
            )
    return _page(version, form)


@bp.route("/firm/meeting-records/<uuid:meeting_record_version_id>/print")
@access.firm_user
def printable(meeting_record_version_id: uuid.UUID):
    version = load_version(meeting_record_version_id)
    return render_template("minutes/firm_print.html", meeting=version.meeting, version=version)
