"""Personal calendar feeds (SPEC 7, issue 12): a secret address per person, stored hashed,
revocable and re-issuable; each feed carries the meetings its owner may see (and a firm
user's question deadlines), and each fetch is audited in the owner's name."""

from __future__ import annotations

import re

from icalendar import Calendar
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import UserStatus
from portal.extensions import db, limiter
from portal.meetings import feed
from portal.meetings.models import CalendarFeed, MeetingStatus
from portal.security.tokens import hash_token
from tests import factories
from tests.conftest import csrf_token_from


def _issue(client) -> str:
    """Make a feed address on the account page; returns the token in the https address."""
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post("/account/calendar-feed", data={"csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = re.search(r'value="http://portal\.test/calendar/([A-Za-z0-9_-]+)\.ics"', page)
    assert match, page
    assert f"webcal://portal.test/calendar/{match.group(1)}.ics" in page
    return match.group(1)


def _revoke(client) -> None:
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert (
        client.post("/account/calendar-feed/revoke", data={"csrf_token": token}).status_code == 302
    )


def _events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT"]


def _uids(body: bytes) -> set[str]:
    return {str(event["uid"]) for event in _events(body)}


def _meeting_uids(*meetings) -> set[str]:
    return {f"{m.public_id}@sep-portal.fda.gov" for m in meetings}


def test_the_address_is_shown_once_and_only_its_hash_is_kept(app, sign_in, world):
    person = world.by_firm["a"].staff
    client = sign_in(person)
    token = _issue(client)
    row = db.session.scalars(select(CalendarFeed)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    account = client.get("/account").get_data(as_text=True)
    assert token not in account and "You have a feed address" in account


def test_each_feed_has_the_meetings_its_owner_may_see(app, sign_in, world):
    a, b = world.by_firm["a"], world.by_firm["b"]
    cancelled = factories.meeting(a.engagement, status=MeetingStatus.CANCELLED)
    a.engagement.fda_lead_id = world.fda_admin.id
    db.session.commit()
    tokens = {}
    for label, person in (("a", a.staff), ("b", b.admin), ("fda", world.fda_staff)):
        tokens[label] = _issue(sign_in(person))
    anonymous = app.test_client()

    body_a = anonymous.get(f"/calendar/{tokens['a']}.ics")
    assert body_a.status_code == 200 and body_a.mimetype == "text/calendar"
    uids_a = _uids(body_a.data)
    own = _meeting_uids(a.meeting, a.held_meeting, cancelled)
    assert own <= uids_a
    assert not _meeting_uids(b.meeting, b.held_meeting) & uids_a
    # The firm's question deadline, for the meeting still taking questions.
    assert f"{a.meeting.public_id}-questions@sep-portal.fda.gov" in uids_a
    events = {str(e["uid"]): e for e in _events(body_a.data)}
    assert events[f"{cancelled.public_id}@sep-portal.fda.gov"]["status"] == "CANCELLED"
    attendees = {str(x) for x in events[f"{a.meeting.public_id}@sep-portal.fda.gov"]["attendee"]}
    # FDA's people beside the firm's: whoever scheduled it, and the engagement's FDA lead.
    assert {
        f"mailto:{world.fda_staff.email}",
        f"mailto:{world.fda_admin.email}",
        f"mailto:{a.staff.email}",
        f"mailto:{a.admin.email}",
    } <= attendees
    assert not any(b.admin.email in x for x in attendees)
    text_a = body_a.get_data(as_text=True)
    assert "World Firm B" not in text_a and b.admin.email not in text_a

    uids_b = _uids(anonymous.get(f"/calendar/{tokens['b']}.ics").data)
    assert _meeting_uids(b.meeting, b.held_meeting) <= uids_b
    assert not _meeting_uids(a.meeting, a.held_meeting, cancelled) & uids_b

    body_fda = anonymous.get(f"/calendar/{tokens['fda']}.ics").data
    uids_fda = _uids(body_fda)
    assert _meeting_uids(a.meeting, b.meeting, a.held_meeting, b.held_meeting) <= uids_fda
    # Question deadlines are the firm's to keep, not FDA's.
    assert not any(uid.endswith("-questions@sep-portal.fda.gov") for uid in uids_fda)
    assert f"http://portal.test/meetings/{a.meeting.public_id}" in body_fda.decode()


def test_the_meeting_file_names_fda_staff_as_attendees(app, sign_in, world):
    a = world.by_firm["a"]
    client = sign_in(a.admin)
    response = client.get(f"/firm/meetings/{a.meeting.public_id}/meeting.ics")
    assert response.status_code == 200
    attendees = {str(x) for x in _events(response.data)[0]["attendee"]}
    assert f"mailto:{world.fda_staff.email}" in attendees


def test_revoked_unknown_and_replaced_addresses_answer_the_same_404(app, sign_in, world):
    person = world.by_firm["a"].admin
    client = sign_in(person)
    anonymous = app.test_client()
    first = _issue(client)
    assert anonymous.get(f"/calendar/{first}.ics").status_code == 200
    second = _issue(client)
    replaced = anonymous.get(f"/calendar/{first}.ics")
    assert replaced.status_code == 404
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 200
    _revoke(client)
    revoked = anonymous.get(f"/calendar/{second}.ics")
    unknown = anonymous.get(f"/calendar/{'x' * 43}.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.data == unknown.data == replaced.data
    assert "You have no feed address" in client.get("/account").get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("calendar_feed.%"))
    ).all()
    assert actions.count("calendar_feed.issue") == 2 and "calendar_feed.revoke" in actions


def test_a_deactivated_owners_feed_stops(app, sign_in, world):
    person = world.by_firm["a"].staff
    token = _issue(sign_in(person))
    person.status = UserStatus.DEACTIVATED
    db.session.commit()
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404


def test_each_fetch_is_audited_in_the_owners_name(app, sign_in, world):
    person = world.by_firm["a"].staff
    token = _issue(sign_in(person))
    anonymous = app.test_client()
    for _ in range(2):
        assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    anonymous.get(f"/calendar/{'y' * 43}.ics")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "calendar_feed.view")
    ).all()
    assert len(events) == 2
    assert {(e.actor_id, e.actor_email, e.firm_id) for e in events} == {
        (person.id, person.email, person.firm_id)
    }
    assert "2 meetings" in events[0].detail and token not in events[0].detail


def test_fetching_is_rate_limited_per_address(app, sign_in, world):
    app.config["CALENDAR_FEED_LIMIT_PER_FEED"] = "2 per hour"
    limiter.reset()
    token = _issue(sign_in(world.by_firm["a"].staff))
    anonymous = app.test_client()
    statuses = [anonymous.get(f"/calendar/{token}.ics").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_feed_costs_the_same_number_of_queries_whatever_the_meetings(
    app, sign_in, world, count_queries
):
    a = world.by_firm["a"]
    tokens = {
        "firm": _issue(sign_in(a.staff)),
        "fda": _issue(sign_in(world.fda_staff)),
    }
    anonymous = app.test_client()

    def counts():
        result = {}
        for label, token in tokens.items():
            with count_queries() as counter:
                assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
            result[label] = counter.count
        return result

    before = counts()
    for _ in range(10):
        factories.meeting(a.engagement, scheduled_by=factories.user(factories.Role.FDA_STAFF))
    factories.user(factories.Role.FIRM_STAFF, firm=a.firm)
    db.session.commit()
    assert counts() == before


def test_feed_meetings_never_cross_firms_even_unscoped(app, world):
    """The query itself names the firm, besides the session's tenancy scope."""
    a, b = world.by_firm["a"], world.by_firm["b"]
    meetings = feed.feed_meetings(a.staff)
    assert {m.firm_id for m in meetings} == {a.firm.id}
    assert b.meeting not in meetings


def test_a_feed_address_never_reaches_a_log_file(app, sign_in, world):
    from portal.invitations.logredact import redact

    token = _issue(sign_in(world.by_firm["a"].staff))
    assert token not in redact(f'"GET /calendar/{token}.ics HTTP/1.1" 200')
    assert "/calendar/[token removed].ics" in redact(f"/calendar/{token}.ics")
    assert redact("/account/calendar-feed") == "/account/calendar-feed"
