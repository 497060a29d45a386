"""FDA staff's meeting pages: schedule, change, cancel, mark held, extend, timeframe (SPEC 7-8).

Thin by design: load (through security.scoping), call a service, commit, redirect.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.forms import ConfirmForm, show_error
from portal.meetings import pages, queries, services
from portal.meetings.blueprint import bp
from portal.meetings.forms import (
    CancelMeetingForm,
    ExtendDeadlineForm,
    MeetingForm,
    PastMeetingForm,
    TimeframeForm,
    combine,
)
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.meetings.schedule import accepts_questions, question_deadline, utc_to_wall_clock
from portal.questions.queries import group_by_topic
from portal.security import access
from portal.security.scoping import get_owned_or_404
from portal.timeutil import format_local, utcnow


def load_meeting(meeting_id: uuid.UUID) -> Meeting:
    return get_owned_or_404(
        Meeting,
        meeting_id,
        *queries.with_engagement(),
        joinedload(Meeting.scheduled_by),
        joinedload(Meeting.extended_by),
    )


def load_engagement(engagement_id: uuid.UUID) -> Engagement:
    return get_owned_or_404(
        Engagement, engagement_id, joinedload(Engagement.site), joinedload(Engagement.firm)
    )


def details_from(form: MeetingForm) -> services.MeetingDetails:
    return services.MeetingDetails(
        starts_local=combine(form.start_date.data, form.start_time.data),
        timezone=form.timezone.data,
        duration_minutes=form.duration_minutes.data,
        mode=MeetingMode(form.mode.data),
        join_details=form.join_details.data or "",
        location=form.location.data or "",
        agenda=form.agenda.data or "",
    )


def sent_to(meeting: Meeting) -> str:
    count = len(services.firm_recipients(meeting.firm_id))
    return f"{count} {'person' if count == 1 else 'people'} at {meeting.engagement.firm.name}"


@bp.route("/meetings")
@access.fda_staff
def index():
    return pages.list_page("meetings/index.html", queries.fda_meetings, firm_side=False)


@bp.route("/meetings/new/<uuid:engagement_id>", methods=["GET", "POST"])
@access.fda_staff
def new(engagement_id: uuid.UUID):
    engagement = load_engagement(engagement_id)
    form = MeetingForm(country=engagement.site.country)
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.mode.data = MeetingMode.VIDEO.value
    if form.validate_on_submit():
        try:
            meeting = services.schedule_meeting(
                engagement, details_from(form), by=current_user._get_current_object()
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                f"Meeting scheduled. {sent_to(meeting)} have been emailed an invitation.", "success"
            )
            if not accepts_questions(meeting, utcnow()):
                flash(
                    "The meeting is so soon that questions for it are already closed "
                    f"({format_local(question_deadline(meeting), current_user.timezone)}). "
                    "Extend the deadline if the firm should still send questions.",
                    "warning",
                )
            return redirect(url_for("meetings.detail", meeting_id=meeting.public_id))
    return render_template("meetings/form.html", form=form, engagement=engagement, meeting=None)


@bp.route("/meetings/past/<uuid:engagement_id>", methods=["GET", "POST"])
@access.fda_staff
def record_past(engagement_id: uuid.UUID):
    """A meeting held outside the portal, recorded afterwards; its record is written next."""
    engagement = load_engagement(engagement_id)
    form = PastMeetingForm(country=engagement.site.country)
    if request.method == "GET":
        form.timezone.data = current_user.timezone
        form.mode.data = MeetingMode.TELECONFERENCE.value
    if form.validate_on_submit():
        details = services.MeetingDetails(
            starts_local=combine(form.start_date.data, form.start_time.data),
            timezone=form.timezone.data,
            duration_minutes=form.duration_minutes.data,
            mode=MeetingMode(form.mode.data),
            location=form.location.data or "",
            agenda=form.agenda.data or "",
        )
        try:
            meeting = services.record_past_meeting(
                engagement, details, by=current_user._get_current_object()
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("Meeting recorded as held. Now write its record.", "success")
            return redirect(url_for("minutes.record", meeting_id=meeting.public_id))
    return render_template("meetings/past_form.html", form=form, engagement=engagement)


@bp.route("/meetings/<uuid:meeting_id>")
@access.fda_staff
def detail(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    questions = queries.meeting_questions(meeting)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        topics=group_by_topic(questions),
        question_total=sum(1 for q in questions if not q.is_withdrawn),
        is_first=queries.is_first_meeting(meeting),
        now=utcnow(),
    )


@bp.route("/meetings/<uuid:meeting_id>/edit", methods=["GET", "POST"])
@access.fda_staff
def edit(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return render_template("meetings/not_changeable.html", meeting=meeting, doing="changed")
    form = MeetingForm(obj=meeting, country=meeting.engagement.site.country)
    form.submit.label.text = "Save and tell the firm"
    if request.method == "GET":
        wall_clock = utc_to_wall_clock(meeting.starts_at, meeting.timezone)
        form.start_date.data = wall_clock.date()
        form.start_time.data = wall_clock.time()
        form.mode.data = meeting.mode.value
    if form.validate_on_submit():
        try:
            changed = services.update_meeting(
                meeting, details_from(form), by=current_user._get_current_object()
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(f"Meeting updated. {sent_to(meeting)} have been emailed.", "success")
            else:
                flash("Nothing had changed, so nobody was emailed.", "info")
            return redirect(url_for("meetings.detail", meeting_id=meeting.public_id))
    return render_template(
        "meetings/form.html", form=form, engagement=meeting.engagement, meeting=meeting
    )


@bp.route("/meetings/<uuid:meeting_id>/cancel", methods=["GET", "POST"])
@access.fda_staff
def cancel(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return render_template("meetings/not_changeable.html", meeting=meeting, doing="cancelled")
    form = CancelMeetingForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(
                meeting, form.reason.data, by=current_user._get_current_object()
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Meeting cancelled. {sent_to(meeting)} have been emailed.", "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.public_id))
    return render_template("meetings/cancel.html", form=form, meeting=meeting)


@bp.route("/meetings/<uuid:meeting_id>/held", methods=["GET", "POST"])
@access.fda_staff
def mark_held(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    form = ConfirmForm()
    form.submit.label.text = "Mark held and ask for feedback"
    if meeting.status == MeetingStatus.SCHEDULED and form.validate_on_submit():
        try:
            services.mark_held(meeting, by=current_user._get_current_object())
        except services.MeetingError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                "Meeting marked held. The firm's users are asked for their feedback. "
                "Now write the meeting's record.",
                "success",
            )
            return redirect(url_for("minutes.record", meeting_id=meeting.public_id))
    return render_template("meetings/mark_held.html", form=form, meeting=meeting, now=utcnow())


@bp.route("/meetings/<uuid:meeting_id>/deadline", methods=["GET", "POST"])
@access.fda_staff
def extend_deadline(meeting_id: uuid.UUID):
    meeting = load_meeting(meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return render_template(
            "meetings/not_changeable.html", meeting=meeting, doing="given a later deadline"
        )
    form = ExtendDeadlineForm(country=meeting.engagement.site.country)
    if request.method == "GET":
        form.timezone.data = meeting.timezone
    if form.validate_on_submit():
        try:
            services.extend_question_deadline(
                meeting,
                combine(form.deadline_date.data, form.deadline_time.data),
                form.timezone.data,
                form.reason.data,
                by=current_user._get_current_object(),
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                "Deadline extended to "
                f"{format_local(question_deadline(meeting), current_user.timezone)}. "
                f"{sent_to(meeting)} have been told.",
                "success",
            )
            return redirect(url_for("meetings.detail", meeting_id=meeting.public_id))
    return render_template("meetings/extend.html", form=form, meeting=meeting, now=utcnow())


@bp.route("/meetings/<uuid:meeting_id>/meeting.ics")
@access.fda_staff
def ics(meeting_id: uuid.UUID):
    return pages.ics_response(load_meeting(meeting_id))


@bp.route("/meetings/<uuid:meeting_id>/packet")
@access.fda_staff
def packet(meeting_id: uuid.UUID):
    return pages.packet_page(load_meeting(meeting_id), "meetings.detail", "meetings/packet.html")


@bp.route("/meetings/timeframe/<uuid:engagement_id>", methods=["GET", "POST"])
@access.fda_staff
def timeframe(engagement_id: uuid.UUID):
    engagement = load_engagement(engagement_id)
    first = services.first_meeting(engagement)
    problem = services.timeframe_problem(engagement, first)
    form = TimeframeForm(
        cadence=engagement.timeframe_cadence, expected_end=engagement.timeframe_expected_end
    )
    if problem is None and form.validate_on_submit():
        try:
            services.record_timeframe(
                engagement,
                form.cadence.data,
                form.expected_end.data,
                by=current_user._get_current_object(),
            )
        except services.MeetingError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash("The agreed timeframe is recorded on the engagement.", "success")
            return redirect(url_for("meetings.detail", meeting_id=first.public_id))
    return render_template(
        "meetings/timeframe.html", form=form, engagement=engagement, first=first, problem=problem
    )
