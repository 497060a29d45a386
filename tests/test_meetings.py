"""Meetings (SPEC 7): scheduling in a named zone, .ics files and emails, changes, timeframe."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from portal.audit.models import AuditEvent
from portal.auth.models import Role, UserStatus
from portal.engagements.models import EngagementStatus
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.meetings.schedule import question_deadline
from tests import factories
from tests.conftest import outbox
from tests.factories_meetings import at, meeting_at

NOW = at("2026-11-20 12:00")


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def engagement(app, firm_a, firm_admin, firm_staff, fda_staff, other_firm_admin):
    factories.user(Role.FIRM_STAFF, firm=firm_a, status=UserStatus.DEACTIVATED)
    created = factories.engagement(firm_a, sent_by=fda_staff)
    db.session.commit()
    return created


def schedule_form(**overrides):
    data = {
        "start_date": "2026-12-10",
        "start_time": "14:30",
        "timezone": "Europe/Berlin",
        "duration_minutes": "90",
        "mode": "video",
        "join_details": "https://meet.example.gov/sep-42\nPasscode 9911",
        "location": "",
        "agenda": "Introductions\nThe firm's questions",
    }
    data.update(overrides)
    return data


def ics_of(message) -> Calendar:
    attachments = json.loads(message.attachments)
    assert [a["content_type"] for a in attachments] == ["text/calendar"]
    return Calendar.from_ical(base64.b64decode(attachments[0]["data"]))


def event_of(calendar: Calendar):
    return calendar.walk("VEVENT")[0]


# --- scheduling ----------------------------------------------------------------------------


def test_fda_schedules_in_a_named_zone_and_the_start_is_stored_in_utc(
    engagement, fda_staff, firm_admin, firm_staff, sign_in, no_csrf, now
):
    client = sign_in(fda_staff)
    form_page = client.get(f"/meetings/new/{engagement.public_id}").get_data(as_text=True)
    assert 'selected value="America/New_York"' in form_page  # the scheduler's own zone
    response = client.post(f"/meetings/new/{engagement.public_id}", data=schedule_form())
    assert response.status_code == 302
    meeting = db.session.query(Meeting).one()
    assert meeting.starts_at == at("2026-12-10 13:30")  # 14:30 in Berlin, winter time
    assert meeting.timezone == "Europe/Berlin"
    assert (meeting.duration_minutes, meeting.mode) == (90, MeetingMode.VIDEO)
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.sequence == 0
    assert meeting.scheduled_by_id == fda_staff.id

    emails = outbox("meetings_scheduled")
    assert sorted(m.recipient_list[0] for m in emails) == sorted(
        [firm_admin.email, firm_staff.email]
    )
    body = emails[0].body_text
    assert (
        "\nWhen: Thu 10 Dec 2026, 08:30 EST (Thu 10 Dec 2026, 14:30 CET)\nLength: 90 minutes\n"
        in body
    )
    assert "\nHow to join: https://meet.example.gov/sep-42\nPasscode 9911\n\nAgenda:\n" in body
    assert "Thu 26 Nov 2026, 08:30 EST" in body  # the question deadline, the reader's zone
    assert f"/firm/meetings/{meeting.public_id}" in body
    assert db.session.query(AuditEvent).filter_by(action="meeting.schedule").count() == 1

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thu 10 Dec 2026, 08:30 EST" in page  # the viewer's zone ...
    assert "Thu 10 Dec 2026, 14:30 CET" in page  # ... and the meeting's own
    assert "Confidential commercial information" in page


def test_each_email_carries_an_ics_with_a_stable_uid_utc_start_and_sequence(
    engagement, fda_staff, firm_admin, now
):
    meeting = services.schedule_meeting(
        engagement,
        services.MeetingDetails(
            starts_local=datetime(2026, 12, 10, 9, 0),
            timezone="America/Chicago",
            duration_minutes=60,
            mode=MeetingMode.TELECONFERENCE,
            join_details="+1 555 0100, code 1234",
        ),
        by=fda_staff,
    )
    first = ics_of(outbox("meetings_scheduled")[0])
    event = event_of(first)
    assert str(first["method"]) == "REQUEST"
    assert str(event["uid"]) == f"{meeting.public_id}@sep-portal.fda.gov"
    assert event.decoded("dtstart") == at("2026-12-10 15:00")
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == at("2026-12-10 16:00")
    assert int(event["sequence"]) == 0
    assert any(firm_admin.email in str(a) for a in event.get("attendee"))

    details = services.MeetingDetails(
        starts_local=datetime(2026, 12, 17, 9, 0),
        timezone="America/Chicago",
        duration_minutes=60,
        mode=MeetingMode.TELECONFERENCE,
        join_details="+1 555 0100, code 1234",
    )
    assert services.update_meeting(meeting, details, by=fda_staff)
    moved = ics_of(outbox("meetings_changed")[0])
    assert str(event_of(moved)["uid"]) == str(event["uid"])
    assert int(event_of(moved)["sequence"]) == 1
    assert event_of(moved).decoded("dtstart") == at("2026-12-17 15:00")
    assert (
        "It was due to start Thu 10 Dec 2026, 10:00 EST" in outbox("meetings_changed")[0].body_text
    )

    services.cancel_meeting(meeting, "Site shutdown for maintenance", by=fda_staff)
    cancelled = ics_of(outbox("meetings_cancelled")[0])
    assert str(cancelled["method"]) == "CANCEL"
    assert str(event_of(cancelled)["status"]) == "CANCELLED"
    assert int(event_of(cancelled)["sequence"]) == 2
    assert str(event_of(cancelled)["uid"]) == str(event["uid"])
    assert "Site shutdown for maintenance" in outbox("meetings_cancelled")[0].body_text


def test_the_ics_downloads_parse_back(engagement, fda_staff, firm_staff, sign_in, now):
    meeting = meeting_at(engagement, "2026-12-03 10:00", "Asia/Tokyo", sequence=4)
    for person, url in (
        (fda_staff, f"/meetings/{meeting.public_id}/meeting.ics"),
        (firm_staff, f"/firm/meetings/{meeting.public_id}/meeting.ics"),
    ):
        response = sign_in(person).get(url)
        assert response.mimetype == "text/calendar"
        assert "attachment" in response.headers["Content-Disposition"]
        calendar = Calendar.from_ical(response.data)
        event = event_of(calendar)
        assert event.decoded("dtstart") == at("2026-12-03 01:00")
        assert str(event["uid"]) == f"{meeting.public_id}@sep-portal.fda.gov"
        assert int(event["sequence"]) == 4
        assert str(calendar["method"]) == "REQUEST"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": "2026-11-19"}, "start_date", "The start must be in the future."),
        ({"start_date": "10/12/2026"}, "start_date", "Enter the date like 2026-03-14."),
        ({"start_date": ""}, "start_date", "Enter the date of the meeting."),
        ({"start_time": "25:00"}, "start_time", "Enter a time like 14:30"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Not a valid choice"),
        ({"duration_minutes": "5"}, "duration_minutes", "from 15 to 480"),
        ({"duration_minutes": "lots"}, "duration_minutes", ""),
        ({"mode": "carrier pigeon"}, "mode", "Not a valid choice"),
        ({"join_details": "  "}, "join_details", "Give the video link"),
        ({"mode": "on_site", "location": ""}, "location", "address and room"),
        (
            {"start_date": "2027-03-14", "start_time": "02:30", "timezone": "America/New_York"},
            "start_time",
            "does not exist in America/New_York",
        ),
        ({"agenda": "x" * 8001}, "agenda", "8,000"),
        ({"join_details": "a\x00b"}, "join_details", "invisible control character"),
    ],
)
def test_bad_input_is_named_beside_the_field_and_changes_nothing(
    engagement, fda_staff, sign_in, no_csrf, now, overrides, field, message
):
    response = sign_in(fda_staff).post(
        f"/meetings/new/{engagement.public_id}", data=schedule_form(**overrides)
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert db.session.query(Meeting).count() == 0
    assert outbox() == []


def test_a_closed_engagement_gets_no_new_meetings(engagement, fda_staff, now):
    engagement.status = EngagementStatus.CLOSED
    with pytest.raises(services.MeetingError, match="closed"):
        services.schedule_meeting(
            engagement,
            services.MeetingDetails(
                datetime(2026, 12, 10, 9, 0), "UTC", 60, MeetingMode.VIDEO, "https://x.example"
            ),
            by=fda_staff,
        )


def test_unknown_engagement_answers_404(app, fda_staff, sign_in):
    assert sign_in(fda_staff).get(f"/meetings/new/{factories.firm().public_id}").status_code == 404


# --- changing, cancelling, holding ----------------------------------------------------------


def test_editing_only_the_agenda_keeps_the_deadline_and_says_updated(engagement, fda_staff, now):
    meeting = meeting_at(engagement, "2026-12-10 10:00")
    deadline = question_deadline(meeting)
    details = services.MeetingDetails(
        datetime(2026, 12, 10, 10, 0),
        "America/New_York",
        60,
        meeting.mode,
        meeting.join_details,
        agenda="A new agenda",
    )
    assert services.update_meeting(meeting, details, by=fda_staff)
    assert question_deadline(meeting) == deadline and meeting.sequence == 1
    email = outbox("meetings_changed")[0]
    assert email.subject == "FDA has updated your meeting's details"
    assert db.session.query(AuditEvent).filter_by(action="meeting.update").count() == 1
    assert not services.update_meeting(meeting, details, by=fda_staff)  # nothing changed
    assert meeting.sequence == 1


def test_reschedule_through_the_page(engagement, fda_staff, sign_in, no_csrf, now):
    meeting = meeting_at(engagement, "2026-12-10 10:00")
    db.session.commit()
    client = sign_in(fda_staff)
    page = client.get(f"/meetings/{meeting.public_id}/edit").get_data(as_text=True)
    assert 'value="2026-12-10"' in page and 'value="10:00"' in page
    response = client.post(
        f"/meetings/{meeting.public_id}/edit",
        data=schedule_form(
            start_date="2027-01-12", start_time="10:00", timezone="America/New_York"
        ),
    )
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.starts_at == at("2027-01-12 15:00")
    assert question_deadline(meeting) == at("2026-12-29 15:00")
    assert outbox("meetings_changed")[0].subject == "FDA has moved your meeting"


def test_cancel_needs_a_confirmation_and_a_reason(engagement, fda_staff, sign_in, no_csrf, now):
    meeting = meeting_at(engagement, "2026-12-10 10:00")
    db.session.commit()
    client = sign_in(fda_staff)
    page = client.get(f"/meetings/{meeting.public_id}/cancel").get_data(as_text=True)
    assert "This cannot be undone" in page
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.SCHEDULED
    response = client.post(f"/meetings/{meeting.public_id}/cancel", data={"reason": " "})
    assert 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.public_id}/cancel", data={"reason": "Storm"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason == "Storm"
    assert meeting.cancelled_at == now
    again = client.get(f"/meetings/{meeting.public_id}/cancel").get_data(as_text=True)
    assert "can no longer be cancelled" in again
    with pytest.raises(services.MeetingError):
        services.cancel_meeting(meeting, "Twice", by=fda_staff)


def test_mark_held_opens_the_survey_in_the_same_transaction(
    engagement, fda_staff, monkeypatch, time_machine
):
    from portal.feedback import services as feedback

    meeting = meeting_at(engagement, "2026-12-10 10:00")
    db.session.commit()
    opened = []
    monkeypatch.setattr(feedback, "open_survey", lambda m: opened.append((m, m.status)))
    time_machine.move_to(at("2026-12-10 14:59"), tick=False)  # 09:59 in New York
    with pytest.raises(services.MeetingError, match="not started"):
        services.mark_held(meeting, by=fda_staff)
    assert opened == []
    time_machine.move_to(at("2026-12-10 16:05"), tick=False)
    services.mark_held(meeting, by=fda_staff)
    assert meeting.status == MeetingStatus.HELD and meeting.held_at == at("2026-12-10 16:05")
    assert opened == [(meeting, MeetingStatus.HELD)]
    with pytest.raises(services.MeetingError):
        services.mark_held(meeting, by=fda_staff)
    # Nothing was committed by the service: held and the survey stand or fall together.
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.SCHEDULED


def test_mark_held_page_confirms_first(engagement, fda_staff, sign_in, no_csrf, time_machine):
    meeting = meeting_at(engagement, "2026-12-10 10:00")
    db.session.commit()
    time_machine.move_to(at("2026-12-01 12:00"), tick=False)
    early = sign_in(fda_staff).get(f"/meetings/{meeting.public_id}/held").get_data(as_text=True)
    assert "has not started yet" in early and "Mark held and ask for feedback" not in early
    time_machine.move_to(at("2026-12-10 17:00"), tick=False)
    client = sign_in(fda_staff)
    page = client.get(f"/meetings/{meeting.public_id}/held").get_data(as_text=True)
    assert "Mark held and ask for feedback" in page
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.SCHEDULED
    assert client.post(f"/meetings/{meeting.public_id}/held").status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == MeetingStatus.HELD


# --- the agreed timeframe -------------------------------------------------------------------


def test_timeframe_is_recorded_at_or_after_the_first_meeting(
    engagement, fda_staff, sign_in, no_csrf, time_machine
):
    first = meeting_at(engagement, "2026-12-10 10:00")
    meeting_at(engagement, "2026-12-01 10:00", status=MeetingStatus.CANCELLED)
    db.session.commit()
    time_machine.move_to(at("2026-12-01 12:00"), tick=False)
    with pytest.raises(services.MeetingError, match="not started yet"):
        services.record_timeframe(engagement, "Monthly", datetime(2027, 6, 30).date(), by=fda_staff)
    client = sign_in(fda_staff)
    page = client.get(f"/meetings/timeframe/{engagement.public_id}").get_data(as_text=True)
    assert "The first meeting has not started yet" in page

    time_machine.move_to(at("2026-12-10 16:00"), tick=False)
    client = sign_in(fda_staff)
    detail = client.get(f"/meetings/{first.public_id}").get_data(as_text=True)
    assert "Record the agreed timeframe" in detail  # offered on the first meeting's page
    bad = client.post(
        f"/meetings/timeframe/{engagement.public_id}",
        data={"cadence": "Every six weeks", "expected_end": "2026-12-01"},
    )
    assert "The expected end must be after the first meeting" in bad.get_data(as_text=True)
    response = client.post(
        f"/meetings/timeframe/{engagement.public_id}",
        data={"cadence": "Every six weeks", "expected_end": "2027-06-30"},
    )
    assert response.status_code == 302
    db.session.refresh(engagement)
    assert engagement.timeframe_cadence == "Every six weeks"
    assert engagement.timeframe_expected_end == datetime(2027, 6, 30).date()
    assert engagement.timeframe_recorded_by_id == fda_staff.id
    assert engagement.timeframe_recorded_at == at("2026-12-10 16:00")
    assert db.session.query(AuditEvent).filter_by(action="engagement.timeframe").count() == 1


def test_a_later_meeting_does_not_offer_the_timeframe(engagement, fda_staff, sign_in, now):
    meeting_at(engagement, "2026-12-10 10:00")
    second = meeting_at(engagement, "2027-01-10 10:00")
    page = sign_in(fda_staff).get(f"/meetings/{second.public_id}").get_data(as_text=True)
    assert "agreed timeframe" not in page


# --- lists ------------------------------------------------------------------------------------


def test_fda_list_splits_upcoming_and_past(engagement, fda_staff, sign_in, now):
    meeting_at(engagement, "2026-12-10 10:00")
    meeting_at(engagement, "2026-10-01 10:00", status=MeetingStatus.HELD)
    client = sign_in(fda_staff)
    upcoming = client.get("/meetings").get_data(as_text=True)
    past = client.get("/meetings?when=past").get_data(as_text=True)
    assert "Thu 10 Dec 2026" in upcoming and "Thu 1 Oct 2026" not in upcoming
    assert "Thu 1 Oct 2026" in past and "Thu 10 Dec 2026" not in past


def test_firm_meeting_page_shows_the_deadline_and_time_left(engagement, firm_staff, sign_in, now):
    meeting = meeting_at(engagement, "2026-12-10 10:00")
    page = sign_in(firm_staff).get(f"/firm/meetings/{meeting.public_id}").get_data(as_text=True)
    assert "Thu 26 Nov 2026, 10:00 EST" in page
    assert "6 days, 3 hours" in page  # from 20 Nov 12:00 UTC to 26 Nov 15:00 UTC
    assert f"/firm/questions/new?meeting={meeting.public_id}" in page


def test_firm_list_holds_only_their_own_meetings(
    engagement, firm_staff, other_firm_admin, sign_in, now
):
    meeting_at(engagement, "2026-12-10 10:00")
    meeting_at(factories.engagement(other_firm_admin.firm), "2026-12-11 10:00")
    page = sign_in(firm_staff).get("/firm/meetings").get_data(as_text=True)
    assert "Thu 10 Dec 2026" in page and "Fri 11 Dec 2026" not in page


def test_the_schedule_page_of_a_closed_engagement_says_so(engagement, fda_staff, sign_in, now):
    engagement.status = EngagementStatus.CLOSED
    page = sign_in(fda_staff).get(f"/meetings/new/{engagement.public_id}").get_data(as_text=True)
    assert "This engagement is closed; it can have no new meetings." in page
    assert 'name="start_date"' not in page
