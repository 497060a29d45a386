"""FDA's pages of a meeting's record (SPEC 7a): write the draft, publish, revise, print.

FDA's working copy (FdaOnly) is read here alone; the firm's pages read published
versions only (``portal.minutes.firm_views``).
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.audiences import Audience, audience_blueprint
from portal.documents import pages as document_pages
from portal.documents import queries as document_queries
from portal.documents import services as document_services
from portal.extensions import db
from portal.forms import show_error
from portal.meetings import queries as meeting_queries
from portal.meetings.models import Meeting, MeetingStatus
from portal.minutes import services
from portal.minutes.forms import PublishForm, QualityActionForm, RecordForm
from portal.minutes.models import MeetingFollowUp, MeetingRecord, MeetingRecordVersion
from portal.security import access
from portal.security.scoping import get_owned_or_404

bp = audience_blueprint("minutes", __name__, audience=Audience.FDA)


def load_meeting(meeting_id: uuid.UUID) -> Meeting:
    return get_owned_or_404(Meeting, meeting_id, *meeting_queries.with_engagement())


def _record_url(meeting: Meeting) -> str:
    return url_for("minutes.record", meeting_id=meeting.public_id)


def _fill(form: RecordForm, meeting: Meeting, people, questions) -> None:
    form.attendees.choices = [
        (
            person.id,
            f"{person.full_name} ({'FDA' if person.is_fda else meeting.engagement.firm.name})",
        )
        for person in people
    ]
    form.questions.choices = [(question.id, question.subject) for question in questions]


def _page(
    meeting: Meeting,
    form: RecordForm,
    publish_form: PublishForm | None = None,
    *,
    record: MeetingRecord | None,
    people: list,
    questions: list,
):
    """The record page; ``people`` and ``questions`` are the form's choices, loaded once and
    reused by the snapshot of the draft."""
    return render_template(
        "minutes/fda_record.html",
        meeting=meeting,
        record=record,
        content=services.snapshot(record, attendees=people, asked=questions) if record else None,
        form=form,
        publish_form=publish_form or PublishForm(formdata=None),
        versions=services.versions(meeting),
        replies=services.replies(meeting),
        documents=document_queries.record_documents(meeting.id),
        may_withdraw=_may_withdraw,
        document_limits=document_pages.limits(),
    )


def _may_withdraw(document) -> bool:
    return document_services.may_withdraw(document, current_user)


@bp.route("/meetings/<uuid:meeting_id>/record", methods=["GET", "POST"])
@access.fda_staff
def record(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    if meeting.status != MeetingStatus.HELD:
        return render_template("minutes/fda_not_held.html", meeting=meeting)
    people = services.possible_attendees(meeting)
    questions = services.meeting_questions(meeting)
    existing = services.record_of(meeting)
    form = RecordForm(obj=None)
    _fill(form, meeting, people, questions)
    if not form.is_submitted() and existing is not None:
        form.attendees.data = list(existing.attendee_ids)
        form.questions.data = list(existing.question_ids)
        form.guests.data = "\n".join(
            "; ".join(part for part in (g["name"], g["organization"], g["title"]) if part)
            for g in existing.guests
        )
        form.summary.data = existing.summary
        form.topics.data = existing.topics
        form.outcomes.data = existing.outcomes
    if form.validate_on_submit():
        text = services.RecordText(
            attendee_ids=form.attendees.data or [],
            guests=form.guest_list(),
            summary=form.summary.data or "",
            topics=form.topics.data or "",
            outcomes=form.outcomes.data or "",
            question_ids=form.questions.data or [],
            new_follow_ups=form.new_follow_ups(),
        )
        try:
            services.save_record(meeting, text, by=current_user._get_current_object())
        except services.RecordError as error:
            db.session.rollback()
            meeting = load_meeting(meeting_id)
            existing = services.record_of(meeting)
            people = services.possible_attendees(meeting)
            questions = services.meeting_questions(meeting)
            show_error(form, error)
        else:
            db.session.commit()
            flash("Draft saved. The firm sees nothing until you publish it.", "success")
            return redirect(_record_url(meeting))
    return _page(meeting, form, record=existing, people=people, questions=questions)


@bp.route("/meetings/<uuid:meeting_id>/record/publish", methods=["POST"])
@access.fda_staff
def publish(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    record = services.record_of(meeting)
    if record is None:
        abort(404)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = services.publish(
                record,
                form.note.data,
                by=current_user._get_current_object(),
                files=form.documents.data,
            )
        except services.RecordError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                f"Version {version.number} published. The firm's users have been emailed a link.",
                "success",
            )
            return redirect(_record_url(meeting))
    record_form = RecordForm(formdata=None)
    people = services.possible_attendees(meeting)
    questions = services.meeting_questions(meeting)
    _fill(record_form, meeting, people, questions)
    record_form.attendees.data = list(record.attendee_ids)
    record_form.questions.data = list(record.question_ids)
    record_form.summary.data, record_form.topics.data = record.summary, record.topics
    record_form.outcomes.data = record.outcomes
    return _page(meeting, record_form, form, record=record, people=people, questions=questions)


@bp.route(
    "/meeting-records/follow-ups/<uuid:meeting_follow_up_id>/quality-action", methods=["POST"]
)
@access.fda_staff
def quality_action(meeting_follow_up_id: uuid.UUID):
    follow_up = get_owned_or_404(
        MeetingFollowUp,
        meeting_follow_up_id,
        joinedload(MeetingFollowUp.record).joinedload(MeetingRecord.meeting),
    )
    meeting = follow_up.record.meeting
    form = QualityActionForm()
    if not form.validate_on_submit():
        flash("Choose corrective or preventive.", "error")
        return redirect(_record_url(meeting))
    try:
        action = services.make_quality_action(
            follow_up, form.kind.data, by=current_user._get_current_object()
        )
    except services.RecordError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_record_url(meeting))
    db.session.commit()
    flash(
        "Quality action recorded and the firm told. Publish the record again to show "
        "the link in it.",
        "success",
    )
    return redirect(url_for("quality.detail", quality_action_id=action.public_id))


@bp.route("/meeting-records/versions/<uuid:meeting_record_version_id>")
@access.fda_staff
def version(meeting_record_version_id: uuid.UUID):
    chosen = get_owned_or_404(
        MeetingRecordVersion,
        meeting_record_version_id,
        joinedload(MeetingRecordVersion.published_by),
        *services.version_loads(),
    )
    return render_template("minutes/fda_version.html", meeting=chosen.meeting, version=chosen)


@bp.route("/meeting-records/<uuid:meeting_record_id>/print")
@access.fda_staff
def printable(meeting_record_id: uuid.UUID):
    record = get_owned_or_404(MeetingRecord, meeting_record_id)
    meeting = load_meeting(record.meeting.public_id)
    return render_template(
        "minutes/fda_print.html",
        meeting=meeting,
        content=services.snapshot(record),
        record=record,
    )
