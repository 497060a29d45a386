"""Clock arithmetic of meetings: wall-clock times in named zones, and the question deadline.

A meeting is stored in UTC but lives in the zone it was scheduled in (SPEC 7);
its question deadline is the same wall-clock time some calendar days earlier
in that zone (SPEC 8), so across a daylight-saving change it lies 335 or 337
hours before the start, not 336.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.meetings.models import Meeting, MeetingStatus
from portal.program.settings import get_setting


def utc_to_wall_clock(moment: datetime, zone_name: str) -> datetime:
    """The naive wall-clock time of ``moment`` in ``zone_name`` (to fill a form)."""
    return moment.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def normal_question_deadline(starts_at: datetime, zone_name: str, days: int) -> datetime:
    """The same wall-clock time ``days`` calendar days before ``starts_at``, in the meeting's zone.

    Calendar days, not multiples of 24 hours: subtracting in local wall-clock
    time and converting back is what makes a daylight-saving change count.
    If that wall-clock time falls in the hour skipped in spring, it lands an
    hour later, as clocks do (PEP 495); in the repeated autumn hour it is the
    earlier of the two.
    """
    zone = ZoneInfo(zone_name)
    wall_clock = starts_at.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    return wall_clock.replace(tzinfo=zone).astimezone(UTC)



def meeting_normal_deadline(meeting: Meeting) -> datetime:
    """The meeting's deadline before any extension: ``question_deadline_days`` (a program
    setting, 14 by default) calendar days before its start, in its zone (SPEC 8)."""
    return normal_question_deadline(
        meeting.starts_at, meeting.timezone, get_setting("question_deadline_days")
    )


def question_deadline(meeting: Meeting) -> datetime:
    """When questions close: FDA's extension if it gave one, else the normal deadline."""
    if meeting.deadline_extended_to is not None:
        return meeting.deadline_extended_to
    return meeting_normal_deadline(meeting)


def accepts_questions(meeting: Meeting, moment: datetime) -> bool:
    """Open to the second: at the deadline itself questions are refused (SPEC 8)."""
    return meeting.status == MeetingStatus.SCHEDULED and moment < question_deadline(meeting)


def describe_time_left(deadline: datetime, now: datetime) -> str:
    """How long until ``deadline`` in words a busy person reads at a glance."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(count: int, name: str) -> str:
        return f"{count} {name}{'' if count == 1 else 's'}"

    if days:
        return unit(days, "day") + (f", {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f", {unit(minutes, 'minute')}" if minutes else "")
    if minutes:
        return unit(minutes, "minute")
    return "less than a minute"
