"""Question-deadline reminders (SPEC 9), queued by `flask reminders send` from cron.

Each firm user hears once, 7 days and again 1 day before a meeting's question
deadline. "Once" holds however often the command runs and even when two
copies run together: each reminder is claimed through
``outbox.reminders.claim_reminder`` (unique on kind, user, meeting and deadline)
in the same transaction as its email. The deadline is part of the key, so a
rescheduled meeting's new deadline is reminded again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select, tuple_

from portal.auth.models import User
from portal.auth.queries import active_member_of
from portal.extensions import db
from portal.mail import queue_email
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import describe_time_left, question_deadline
from portal.outbox import reminders as sent_reminders
from portal.outbox.models import SentReminder
from portal.program.settings import get_setting
from portal.timeutil import utcnow
from portal.urls import external_url

SEVEN_DAYS = "question_deadline_7d"
ONE_DAY = "question_deadline_1d"
#: How long before the deadline each reminder is due, latest first.
LEAD_TIMES = ((ONE_DAY, timedelta(days=1)), (SEVEN_DAYS, timedelta(days=7)))


def due_kind(deadline: datetime, now: datetime) -> str | None:
    """The reminder due now: 1-day in the last day, 7-day in the six days before that."""
    if now >= deadline:
        return None
    for kind, lead in LEAD_TIMES:
        if now >= deadline - lead:
            return kind
    return None


def _due_meetings(now: datetime) -> list[tuple[Meeting, str, datetime]]:
    """Scheduled meetings whose deadline has not passed and a reminder is due."""
    # The normal deadline is some days before the start, give or take a daylight-saving hour.
    horizon = now + timedelta(days=get_setting("question_deadline_days") + 8)
    candidates = db.session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            or_(Meeting.starts_at <= horizon, Meeting.deadline_extended_to > now),
        )
    ).all()
    due = []
    for meeting in candidates:
        deadline = question_deadline(meeting)
        kind = due_kind(deadline, now)
        if kind is not None:
            due.append((meeting, kind, deadline))
    return due


def _send_once(meeting: Meeting, person: User, kind: str, deadline: datetime) -> bool:
    """Record the reminder and queue its email in the command's transaction; False if sent."""
    claimed = sent_reminders.claim_reminder(
        kind=kind,
        user_id=person.id,
        subject_key=str(meeting.public_id),
        due_key=deadline.isoformat(),
    )
    if claimed:
        queue_email(
            person.email,
            "questions_deadline_reminder",
            "Questions for your FDA meeting close tomorrow"
            if kind == ONE_DAY
            else "Questions for your FDA meeting close in a week",
            firm_id=meeting.firm_id,
            user=person,
            meeting=meeting,
            deadline=deadline,
            time_left=describe_time_left(deadline, utcnow()),
            link=external_url("firm_questions.new", meeting=meeting.public_id),
        )
    return claimed


def send_deadline_reminders() -> int:
    """Queue the reminders that are due; returns how many were queued by this run."""
    now = utcnow()
    due = _due_meetings(now)
    if not due:
        return 0
    firm_ids = {meeting.firm_id for meeting, _kind, _deadline in due}
    people_by_firm: dict[int, list[User]] = defaultdict(list)
    for person in db.session.scalars(
        select(User).where(active_member_of(User.firm_id), User.firm_id.in_(firm_ids))
    ):
        people_by_firm[person.firm_id].append(person)
    # Skip what earlier runs sent without an insert that is bound to fail; the
    # unique key, not this read, is what guarantees "once".
    keys = [(kind, str(meeting.public_id), deadline.isoformat()) for meeting, kind, deadline in due]
    sent = set(
        db.session.execute(
            select(
                SentReminder.kind,
                SentReminder.user_id,
                SentReminder.subject_key,
                SentReminder.due_key,
            ).where(
                tuple_(SentReminder.kind, SentReminder.subject_key, SentReminder.due_key).in_(keys)
            )
        ).all()
    )
    work = [
        (meeting, person, kind, deadline)
        for meeting, kind, deadline in due
        for person in people_by_firm[meeting.firm_id]
        if (kind, person.id, str(meeting.public_id), deadline.isoformat()) not in sent
    ]
    return sum(_send_once(*item) for item in work)
