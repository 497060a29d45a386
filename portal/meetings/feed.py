"""Each person's secret calendar feed (SPEC 7): the meetings they may see, kept current.

The address carries a random token; only its SHA-256 is stored, so the address is
shown once, when issued, and a new one replaces it (the old one then answers 404,
exactly like one that never existed). Issuing and revoking are the owner's own
account actions; fetching is audited like any view (security.hooks.write_view_audit).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from icalendar import Event
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.auth.models import User, UserStatus
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.meetings.calendar import fda_attendees, meeting_event, new_calendar
from portal.meetings.models import CalendarFeed, Meeting, MeetingStatus
from portal.meetings.schedule import question_deadline
from portal.security.tokens import hash_token, looks_like_token, new_token
from portal.timeutil import format_local, utcnow
from portal.urls import external_url

#: How far back a feed reaches: recent meetings stay in the calendar, older ones drop out.
FEED_HISTORY = timedelta(days=180)
#: The most meetings one feed carries, so a fetch costs the same whatever the program's size.
FEED_MEETINGS = 500


def live_feed(person: User) -> CalendarFeed | None:
    """The person's feed address in use, if any."""
    return db.session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == person.id, CalendarFeed.revoked_at.is_(None)
        )
    ).first()


def _revoke_all(person: User) -> int:
    return db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == person.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def issue_feed(person: User) -> str:
    """A new secret address for the person; any earlier one stops working. Returns the
    token, which is not kept: the caller shows it once."""
    _revoke_all(person)
    token = new_token()
    feed = CalendarFeed(user_id=person.id, token_hash=hash_token(token), issued_at=utcnow())
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed.issue", feed, firm_id=person.firm_id, actor=person)
    return token


def revoke_feed(person: User) -> bool:
    """The person's feed address stops working; False if they had none."""
    feed = live_feed(person)
    if feed is None:
        return False
    _revoke_all(person)
    audit.record("calendar_feed.revoke", feed, firm_id=person.firm_id, actor=person)
    return True


def resolve(token: str) -> CalendarFeed | None:
    """The live feed behind a token, with its owner able to sign in; None otherwise
    (unknown, revoked, or an owner deactivated since: all answer alike)."""
    if not looks_like_token(token):
        return None
    feed = db.session.scalars(
        select(CalendarFeed)
        .options(joinedload(CalendarFeed.user))
        .where(CalendarFeed.token_hash == hash_token(token), CalendarFeed.revoked_at.is_(None))
    ).first()
    if feed is None or feed.user.status != UserStatus.ACTIVE:
        return None
    person = feed.user
    if not (person.is_fda or (person.is_firm_user and person.firm_id is not None)):
        return None
    return feed


def feed_address(token: str) -> str:
    return external_url("calendar_feed.feed_file", token=token)


def webcal_address(token: str) -> str:
    """The same address for calendar programs that subscribe on a webcal:// link."""
    address = feed_address(token)
    return "webcal://" + address.split("://", 1)[1]


def feed_meetings(person: User) -> list[Meeting]:
    """The meetings the person may see: their firm's, or the whole program's for FDA.

    The caller has already narrowed the session to the person's firm (security.tenancy);
    the firm condition here says the same thing again, in the query itself.
    """
    stmt = (
        select(Meeting)
        .options(
            joinedload(Meeting.scheduled_by),
            joinedload(Meeting.engagement).joinedload(Engagement.fda_lead),
        )
        .where(Meeting.starts_at >= utcnow() - FEED_HISTORY)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(FEED_MEETINGS)
    )
    if not person.is_fda:
        stmt = stmt.where(Meeting.firm_id == person.firm_id)
    return list(db.session.scalars(stmt).unique())


def _firm_people(firm_ids: set[int]) -> dict[int, list[User]]:
    """Each firm's active users, in one query."""
    people: dict[int, list[User]] = defaultdict(list)
    if not firm_ids:
        return people
    rows = db.session.scalars(
        select(User)
        .where(User.firm_id.in_(firm_ids), User.status == UserStatus.ACTIVE)
        .order_by(User.full_name, User.id)
    )
    for person in rows:
        people[person.firm_id].append(person)
    return people


def _deadline_event(meeting: Meeting, link: str) -> Event:
    """The question deadline, for firm users: the moment the form closes (SPEC 8)."""
    deadline = question_deadline(meeting)
    event = Event()
    event.add("uid", f"{meeting.public_id}-questions@sep-portal.fda.gov")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", deadline)
    event.add("dtend", deadline)
    event.add("summary", "Questions for FDA close")
    event.add(
        "description",
        "Questions for your FDA Site Engagement Program meeting of "
        f"{format_local(meeting.starts_at, meeting.timezone)} close at this moment. "
        f"Send them through the portal: {link}",
    )
    event.add("url", link)
    event.add("transp", "TRANSPARENT")
    return event


def feed_calendar(person: User, meetings: list[Meeting]) -> bytes:
    """The .ics the feed returns: each meeting with FDA's and the firm's people as
    attendees; for firm users, each open meeting's question deadline too."""
    calendar = new_calendar()
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "FDA Site Engagement Program")
    people = _firm_people({meeting.firm_id for meeting in meetings})
    endpoint = "meetings.detail" if person.is_fda else "firm_meetings.detail"
    now = utcnow()
    for meeting in meetings:
        link = external_url(endpoint, meeting_id=meeting.public_id)
        attendees = [*people.get(meeting.firm_id, []), *fda_attendees(meeting)]
        calendar.add_component(meeting_event(meeting, attendees, link))
        if (
            not person.is_fda
            and meeting.status == MeetingStatus.SCHEDULED
            and question_deadline(meeting) > now
        ):
            ask = external_url("firm_questions.new", meeting=str(meeting.public_id))
            calendar.add_component(_deadline_event(meeting, ask))
    return calendar.to_ical()
