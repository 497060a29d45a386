"""One reminder to each firm user who has not answered a feedback request (SPEC 9, 10).

Run by `flask reminders send`, as often as cron likes. A reminder is due
``feedback_reminder_days`` after the survey opened, while it is still open.
Each goes out at most once: it is claimed through ``outbox.reminders.claim_reminder``
in the same transaction as its email.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from portal.auth.models import User
from portal.auth.queries import active_member_of
from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.feedback.services import meeting_day
from portal.mail import queue_email
from portal.meetings.models import Meeting
from portal.outbox import reminders as sent_reminders
from portal.outbox.models import SentReminder
from portal.program.settings import get_setting
from portal.timeutil import utcnow
from portal.urls import external_url

REMINDER_KIND = "feedback_7d"


def _due(now: datetime) -> list[tuple[MeetingSurvey, Meeting, User]]:
    """Each open survey past the reminder delay, with each active firm user yet to answer it."""
    delay = timedelta(days=get_setting("feedback_reminder_days"))
    answered = exists().where(
        FeedbackResponse.survey_id == MeetingSurvey.id, FeedbackResponse.user_id == User.id
    )
    rows = db.session.execute(
        select(MeetingSurvey, Meeting, User)
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .join(User, active_member_of(MeetingSurvey.firm_id))
        .where(MeetingSurvey.opened_at <= now - delay, MeetingSurvey.closes_at > now, ~answered)
        .order_by(MeetingSurvey.id, User.id)
    ).all()
    if not rows:
        return []
    already = set(
        db.session.execute(
            select(SentReminder.user_id, SentReminder.subject_key).where(
                SentReminder.kind == REMINDER_KIND,
                SentReminder.subject_key.in_({str(row[0].public_id) for row in rows}),
            )
        ).all()
    )
    return [
        (survey, meeting, user)
        for survey, meeting, user in rows
        if (user.id, str(survey.public_id)) not in already
    ]


def send_feedback_reminders() -> int:
    """Queue the feedback reminders that are due; returns how many were queued."""
    now = utcnow()
    queued = 0
    for survey, meeting, user in _due(now):
        claimed = sent_reminders.claim_reminder(
            kind=REMINDER_KIND,
            user_id=user.id,
            subject_key=str(survey.public_id),
            # The request this reminds about: changing the delay setting never re-sends.
            due_key=survey.opened_at.isoformat(),
        )
        if not claimed:
            continue
        queue_email(
            user.email,
            "feedback_reminder",
            f"Reminder: your feedback on the FDA meeting of {meeting_day(meeting, user)}",
            firm_id=survey.firm_id,
            user=user,
            meeting=meeting,
            survey=survey,
            link=external_url("firm_feedback.respond", meeting_survey_id=survey.public_id),
            days=get_setting("feedback_reminder_days"),
        )
        queued += 1
    # The claims and their emails commit together, in the command that called this.
    return queued
