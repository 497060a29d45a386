"""Demo meetings for `flask seed-demo`: for the first demo firm, a past meeting FDA has
marked held (its timeframe recorded, its record published) and an upcoming one still
taking questions; for the second, a meeting too close for questions, to show the closed
form.

Meetings are made through the services, so the outbox holds the scheduling emails
with their .ics files, as it would after real use.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.auth.models import Firm, User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.timeutil import local_to_utc, utcnow

STAFF = "staff@fda.example.gov"
ZONE = "America/New_York"
AGENDA = (
    "1. Introductions and the program's aims\n"
    "2. The site's quality system and recent changes\n"
    "3. The firm's questions\n"
    "4. Next steps and timeframe"
)


def _engagement_of(firm: Firm) -> Engagement | None:
    return db.session.scalars(
        select(Engagement)
        .where(Engagement.firm_id == firm.id, Engagement.status == EngagementStatus.ACTIVE)
        .order_by(Engagement.opened_at)
    ).first()


def _days_ahead_at_ten(days: int) -> datetime:
    """10:00 New York time, ``days`` from today, as a wall-clock time for the form."""
    day = (utcnow() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 10, 0)


def _details(days: int, mode: MeetingMode = MeetingMode.VIDEO) -> services.MeetingDetails:
    return services.MeetingDetails(
        starts_local=_days_ahead_at_ten(days),
        timezone=ZONE,
        duration_minutes=90,
        mode=mode,
        join_details="https://meet.example.gov/sep-demo (meeting ID 555 0100, passcode 2026)",
        location="Building 2, conference room B" if mode == MeetingMode.ON_SITE else "",
        agenda=AGENDA,
    )


def _held_meeting(engagement: Engagement, staff: User) -> Meeting:
    """A meeting five weeks ago, made directly (the service schedules only future meetings)."""
    meeting = Meeting(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        starts_at=local_to_utc(_days_ahead_at_ten(-35), ZONE),
        timezone=ZONE,
        duration_minutes=90,
        mode=MeetingMode.ON_SITE,
        location="Building 2, conference room B",
        agenda=AGENDA,
        status=MeetingStatus.SCHEDULED,
        scheduled_by_id=staff.id,
    )
    db.session.add(meeting)
    db.session.flush()
    services.mark_held(meeting, by=staff)
    engagement.timeframe_cadence = "Every six weeks, by video call"
    engagement.timeframe_expected_end = (utcnow() + timedelta(days=300)).date()
    engagement.timeframe_recorded_at = meeting.starts_at + timedelta(hours=2)
    engagement.timeframe_recorded_by_id = staff.id
    return meeting


def _published_record(meeting: Meeting, staff: User) -> None:
    """The held meeting's record (SPEC 7a), written and published through the services,
    so the firm's users have its email in the outbox and can acknowledge and comment."""
    from portal.auth.queries import active_firm_users
    from portal.minutes import services as minutes

    present = [person.id for person in active_firm_users(meeting.firm_id)][:2] + [staff.id]
    record = minutes.save_record(
        meeting,
        minutes.RecordText(
            attendee_ids=present,
            guests=[minutes.Guest("Dana Ortiz", "Ortiz Validation Consulting", "Advisor")],
            summary=(
                "FDA and the site reviewed the quality system's recent changes, in particular "
                "the **new cleaning validation program** for shared equipment."
            ),
            topics="- Cleaning validation\n- Deviation trending\n- The engagement's timeframe",
            outcomes=(
                "The site will extend its hold-time studies to the two new products. "
                "FDA will share its public guidance references on cleaning validation."
            ),
            new_follow_ups=[
                minutes.NewFollowUp(
                    "Share the updated hold-time study protocol with FDA",
                    "Site quality lead",
                    (utcnow() + timedelta(days=21)).date(),
                )
            ],
        ),
        by=staff,
    )
    minutes.publish(record, "", by=staff)


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    staff = people.get(STAFF)
    if staff is None or not firms:
        return
    first = _engagement_of(firms[0])
    if first is not None:
        _published_record(_held_meeting(first, staff), staff)
        services.schedule_meeting(first, _details(24), by=staff)
    if len(firms) > 1:
        second = _engagement_of(firms[1])
        if second is not None:
            services.schedule_meeting(second, _details(9), by=staff)
