"""Every change to a meeting (SPEC 7) and to the engagement's agreed timeframe.

Each function validates, writes, audits and queues the emails it causes in the
caller's transaction; the view commits. Scheduling, rescheduling and
cancelling email each active user of the firm with the meeting's .ics, so
their calendars follow every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.queries import active_firm_users
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.feedback import services as feedback
from portal.mail import Attachment, queue_email
from portal.meetings import calendar
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.meetings.schedule import meeting_normal_deadline, question_deadline
from portal.timeutil import LocalTimeError, format_local, local_to_utc, utcnow, zone
from portal.urls import external_url

#: Shortest and longest meeting FDA may schedule, in minutes.
MIN_DURATION = 15
MAX_DURATION = 480


class MeetingError(ValueError):
    """A change the rules do not allow; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MeetingDetails:
    """What FDA enters to schedule or reschedule: the start is a wall-clock time in ``timezone``."""

    starts_local: datetime
    timezone: str
    duration_minutes: int
    mode: MeetingMode
    join_details: str = ""
    location: str = ""
    agenda: str = ""


def firm_recipients(firm_id: int) -> list[User]:
    """Everyone who should hear about the firm's meetings: its active users."""
    return active_firm_users(firm_id)


def _start_from(details: MeetingDetails) -> datetime:
    try:
        return local_to_utc(details.starts_local, details.timezone)
    except LocalTimeError as error:
        field = "timezone" if "time zone" in str(error) else "start_time"
        raise MeetingError(str(error), field) from error


def _check_details(details: MeetingDetails) -> None:
    if not MIN_DURATION <= details.duration_minutes <= MAX_DURATION:
        raise MeetingError(
            f"A meeting lasts from {MIN_DURATION} to {MAX_DURATION} minutes.", "duration_minutes"
        )
    if details.mode == MeetingMode.ON_SITE and not details.location.strip():
        raise MeetingError("Give the address and room of an on-site meeting.", "location")
    if details.mode != MeetingMode.ON_SITE and not details.join_details.strip():
        raise MeetingError(
            "Give the video link or dial-in number, so the firm can join.", "join_details"
        )


def _check_future(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise MeetingError("The start must be in the future.", "start_date")


def _notify_firm(meeting: Meeting, template: str, subject: str, **context) -> None:
    """One email per active firm user (each in their own time zone), each with the .ics."""
    people = firm_recipients(meeting.firm_id)
    ics = Attachment(
        calendar.FILENAME, calendar.CONTENT_TYPE, calendar.meeting_ics(meeting, people)
    )
    link = external_url("firm_meetings.detail", meeting_id=meeting.public_id)
    for person in people:
        queue_email(
            person.email,
            template,
            subject,
            firm_id=meeting.firm_id,
            attachments=[ics],
            user=person,
            meeting=meeting,
            link=link,
            **context,
        )


def schedule_meeting(engagement: Engagement, details: MeetingDetails, *, by: User) -> Meeting:
    """FDA schedules a meeting of an open engagement (SPEC 7)."""
    if engagement.status != EngagementStatus.ACTIVE:
        raise MeetingError("This engagement is closed; it can have no new meetings.")
    starts_at = _start_from(details)
    _check_future(starts_at, utcnow())
    _check_details(details)
    meeting = Meeting(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        engagement=engagement,
        starts_at=starts_at,
        timezone=details.timezone,
        duration_minutes=details.duration_minutes,
        mode=details.mode,
        join_details=details.join_details.strip(),
        location=details.location.strip(),
        agenda=details.agenda.strip(),
        status=MeetingStatus.SCHEDULED,
        sequence=0,
        scheduled_by_id=by.id,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.schedule",
        meeting,
        detail=f"starts {format_local(starts_at, details.timezone)}",
        actor=by,
    )
    _notify_firm(meeting, "meetings_scheduled", "FDA has scheduled a meeting with your site")
    return meeting


def record_past_meeting(engagement: Engagement, details: MeetingDetails, *, by: User) -> Meeting:
    """A meeting that took place outside the portal, recorded afterwards (SPEC 7): held.

    The one path where a past start is right; scheduling still refuses it. Nobody is
    sent an invitation for a meeting already over; the feedback survey opens as when
    FDA marks a meeting held (SPEC 10), and FDA writes its record next (SPEC 7a).
    """
    if engagement.status != EngagementStatus.ACTIVE:
        raise MeetingError("This engagement is closed; it can have no new meetings.")
    starts_at = _start_from(details)
    now = utcnow()
    if starts_at > now:
        raise MeetingError(
            "This start is in the future: schedule the meeting instead, so the firm is invited.",
            "start_date",
        )
    if not MIN_DURATION <= details.duration_minutes <= MAX_DURATION:
        raise MeetingError(
            f"A meeting lasts from {MIN_DURATION} to {MAX_DURATION} minutes.", "duration_minutes"
        )
    meeting = Meeting(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        engagement=engagement,
        starts_at=starts_at,
        timezone=details.timezone,
        duration_minutes=details.duration_minutes,
        mode=details.mode,
        join_details=details.join_details.strip(),
        location=details.location.strip(),
        agenda=details.agenda.strip(),
        status=MeetingStatus.HELD,
        held_at=now,
        sequence=0,
        scheduled_by_id=by.id,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.record_past",
        meeting,
        detail=f"held {format_local(starts_at, details.timezone)}",
        actor=by,
    )
    feedback.open_survey(meeting)
    return meeting


def _require_scheduled(meeting: Meeting, doing: str) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingError(f"This meeting was {meeting.status.value}; it can no longer be {doing}.")


def update_meeting(meeting: Meeting, details: MeetingDetails, *, by: User) -> bool:
    """Reschedule or change the details; returns False when nothing changed.

    A new start moves the question deadline with it (SPEC 7); an extension
    FDA gave for the old date no longer applies and is dropped.
    """
    _require_scheduled(meeting, "changed")
    starts_at = _start_from(details)
    moved = starts_at != meeting.starts_at
    if moved:
        _check_future(starts_at, utcnow())
    _check_details(details)
    previous_start = meeting.starts_at
    previous_zone = meeting.timezone
    values = {
        "starts_at": starts_at,
        "timezone": details.timezone,
        "duration_minutes": details.duration_minutes,
        "mode": details.mode,
        "join_details": details.join_details.strip(),
        "location": details.location.strip(),
        "agenda": details.agenda.strip(),
    }
    changed = [name for name, value in values.items() if getattr(meeting, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(meeting, name, values[name])
    meeting.sequence += 1
    detail = f"changed {', '.join(changed)}"
    if moved:
        detail += f"; start {format_local(previous_start, previous_zone)} -> "
        detail += format_local(starts_at, details.timezone)
        if meeting.deadline_extended_to is not None:
            detail += "; deadline extension dropped"
            meeting.deadline_extended_to = None
            meeting.extension_reason = ""
            meeting.extended_by_id = None
    audit.record(
        "meeting.reschedule" if moved else "meeting.update", meeting, detail=detail, actor=by
    )
    _notify_firm(
        meeting,
        "meetings_changed",
        "FDA has moved your meeting" if moved else "FDA has updated your meeting's details",
        moved=moved,
        previous_start=previous_start,
    )
    return True


def cancel_meeting(meeting: Meeting, reason: str, *, by: User) -> None:
    """Cancelled, never deleted; the firm's calendars drop it (iTIP METHOD:CANCEL)."""
    _require_scheduled(meeting, "cancelled")
    reason = reason.strip()
    if not reason:
        raise MeetingError("Say why the meeting is cancelled; the firm is told.", "reason")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = reason
    meeting.sequence += 1
    audit.record("meeting.cancel", meeting, detail=reason, actor=by)
    _notify_firm(meeting, "meetings_cancelled", "FDA has cancelled a meeting with your site")


def mark_held(meeting: Meeting, *, by: User) -> None:
    """The meeting took place; the feedback survey opens in the same transaction (SPEC 10)."""
    _require_scheduled(meeting, "marked held")
    now = utcnow()
    if meeting.starts_at > now:
        raise MeetingError(
            "This meeting has not started yet; mark it held once it has taken place."
        )
    meeting.status = MeetingStatus.HELD
    meeting.held_at = now
    audit.record("meeting.held", meeting, actor=by)
    feedback.open_survey(meeting)


def extend_question_deadline(
    meeting: Meeting, wall_clock: datetime, zone_name: str, reason: str, *, by: User
) -> None:
    """FDA gives the firm more time for one meeting's questions (SPEC 8), with a reason."""
    _require_scheduled(meeting, "given a later question deadline")
    try:
        new_deadline = local_to_utc(wall_clock, zone_name)
    except LocalTimeError as error:
        raise MeetingError(str(error), "deadline_time") from error
    reason = reason.strip()
    if not reason:
        raise MeetingError("Say why the deadline is extended; it is kept on record.", "reason")
    normal = meeting_normal_deadline(meeting)
    if new_deadline <= normal:
        raise MeetingError(
            "An extension must be later than the normal deadline, "
            f"{format_local(normal, zone_name)}.",
            "deadline_date",
        )
    if new_deadline <= utcnow():
        raise MeetingError("The new deadline must be in the future.", "deadline_date")
    if new_deadline >= meeting.starts_at:
        raise MeetingError(
            f"Questions must close before the meeting starts, "
            f"{format_local(meeting.starts_at, zone_name)}.",
            "deadline_date",
        )
    previous = question_deadline(meeting)
    meeting.deadline_extended_to = new_deadline
    meeting.extension_reason = reason
    meeting.extended_by_id = by.id
    audit.record(
        "meeting.deadline_extend",
        meeting,
        detail=f"{format_local(previous, meeting.timezone)} -> "
        f"{format_local(new_deadline, meeting.timezone)}: {reason}",
        actor=by,
    )
    link = external_url("firm_questions.new", meeting=meeting.public_id)
    for person in firm_recipients(meeting.firm_id):
        queue_email(
            person.email,
            "meetings_deadline_extended",
            "More time to send questions for your FDA meeting",
            firm_id=meeting.firm_id,
            user=person,
            meeting=meeting,
            link=link,
        )


def first_meeting(engagement: Engagement) -> Meeting | None:
    """The engagement's initial meeting: its earliest one that was not cancelled."""
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.engagement_id == engagement.id, Meeting.status != MeetingStatus.CANCELLED)
        .order_by(Meeting.starts_at)
        .limit(1)
    ).first()


def timeframe_problem(engagement: Engagement, first: Meeting | None) -> str | None:
    """Why the timeframe cannot be recorded yet, or None: it is agreed at the first meeting."""
    if first is None:
        return "The engagement has no meeting yet. The timeframe is agreed at the first meeting."
    if first.starts_at > utcnow():
        return (
            "The first meeting has not started yet. Record the timeframe at or after it, "
            "once it has been agreed with the firm."
        )
    return None


def record_timeframe(engagement: Engagement, cadence: str, expected_end: date, *, by: User) -> None:
    """The timeframe agreed at the initial meeting (SPEC 7): how often, and until when."""
    first = first_meeting(engagement)
    problem = timeframe_problem(engagement, first)
    if problem:
        raise MeetingError(problem)
    cadence = cadence.strip()
    if not cadence:
        raise MeetingError("Say how often FDA and the firm will meet.", "cadence")
    first_day = first.starts_at.astimezone(zone(first.timezone)).date()
    if expected_end <= first_day:
        raise MeetingError(
            f"The expected end must be after the first meeting ({first_day:%d %B %Y}).",
            "expected_end",
        )
    previous = engagement.timeframe_cadence, engagement.timeframe_expected_end
    engagement.timeframe_cadence = cadence
    engagement.timeframe_expected_end = expected_end
    engagement.timeframe_recorded_at = utcnow()
    engagement.timeframe_recorded_by_id = by.id
    audit.record(
        "engagement.timeframe",
        engagement,
        detail=f"{previous[0] or '-'} until {previous[1] or '-'} -> {cadence} until {expected_end}",
        actor=by,
    )
