"""The iCalendar (RFC 5545 / iTIP RFC 5546) file of a meeting (SPEC 7).

Calendars match an update to the event they already hold by UID and apply it
when SEQUENCE is higher, so the UID never changes (it is built from the
meeting's public id) and every change raises ``Meeting.sequence``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from portal.auth.models import User
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.meetings.schedule import question_deadline
from portal.timeutil import format_local, utcnow
from portal.urls import external_url

PRODID = "-//U.S. Food and Drug Administration//SEP Portal//EN"
CONTENT_TYPE = "text/calendar"
FILENAME = "sep-meeting.ics"


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the meeting's whole life: a reschedule updates, never duplicates."""
    return f"{meeting.public_id}@sep-portal.fda.gov"


def method_for(meeting: Meeting) -> str:
    """iTIP: a cancelled meeting's file removes the event; any other one adds or updates it."""
    return "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"


def _description(meeting: Meeting, link: str) -> str:
    lines = ["FDA Site Engagement Program meeting."]
    if meeting.mode == MeetingMode.ON_SITE:
        lines.append(f"Place: {meeting.location}")
    else:
        lines.append(f"How to join: {meeting.join_details}")
    if meeting.agenda:
        lines += ["", "Agenda:", meeting.agenda]
    if meeting.status == MeetingStatus.SCHEDULED:
        deadline = format_local(question_deadline(meeting), meeting.timezone)
        lines += ["", f"Questions for FDA close {deadline}; send them through the portal."]
    if meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason:
        lines += ["", f"Cancelled: {meeting.cancel_reason}"]
    lines += ["", f"Meeting page: {link}"]
    return "\n".join(lines)


def meeting_calendar(meeting: Meeting, attendees: Iterable[User]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method_for(meeting))

    link = external_url("firm_meetings.detail", meeting_id=meeting.public_id)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", "FDA Site Engagement Program meeting")
    event.add("description", _description(meeting, link))
    event.add(
        "location",
        meeting.location if meeting.mode == MeetingMode.ON_SITE else meeting.join_details,
    )
    event.add("url", link)
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")

    organizer = vCalAddress(f"mailto:{current_app.config['PROGRAM_CONTACT_EMAIL']}")
    organizer.params["cn"] = vText("FDA Site Engagement Program")
    event.add("organizer", organizer)
    for person in attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar


def meeting_ics(meeting: Meeting, attendees: Iterable[User]) -> bytes:
    """The meeting as an .ics file, DTSTART in UTC."""
    return meeting_calendar(meeting, attendees).to_ical()
