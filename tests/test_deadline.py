"""The question deadline (SPEC 8): same wall-clock time in the meeting's zone, to the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.auth.models import Role
from portal.extensions import db
from portal.meetings import services as meeting_services
from portal.meetings.models import Meeting
from portal.meetings.schedule import normal_question_deadline, question_deadline
from portal.program.settings import update_settings
from portal.questions import services
from portal.questions.models import Question
from portal.timeutil import LocalTimeError, local_to_utc
from tests import factories
from tests.factories_meetings import at, meeting_at

ONE_SECOND = timedelta(seconds=1)


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


@pytest.mark.parametrize(
    ("start", "zone_name", "expected_deadline_utc", "expected_hours"),
    [
        # Clocks go forward on 8 March 2026 in New York: the deadline is in EST, the start in EDT.
        ("2026-03-20 10:00", "America/New_York", "2026-03-06 15:00", 335),
        # Clocks go back on 1 November 2026: deadline in EDT, start in EST.
        ("2026-11-10 10:00", "America/New_York", "2026-10-27 14:00", 337),
        # Europe changes on 29 March 2026.
        ("2026-04-02 09:00", "Europe/Berlin", "2026-03-19 08:00", 335),
        ("2026-10-30 09:00", "Europe/London", "2026-10-16 08:00", 337),
        # No daylight saving in India: exactly 14 days.
        ("2026-03-20 10:00", "Asia/Kolkata", "2026-03-06 04:30", 336),
    ],
)
def test_deadline_is_same_wall_clock_time_fourteen_calendar_days_before(
    start, zone_name, expected_deadline_utc, expected_hours
):
    starts_at = at(start, zone_name).astimezone(UTC)
    deadline = normal_question_deadline(starts_at, zone_name, 14)
    assert deadline == at(expected_deadline_utc)
    assert hours(starts_at - deadline) == expected_hours
    assert deadline.astimezone(at(start, zone_name).tzinfo).time() == at(start, zone_name).time()


def test_the_setting_changes_the_number_of_days(app, firm_a, fda_staff):
    update_settings({"question_deadline_days": 7}, by_user=fda_staff)
    meeting = meeting_at(factories.engagement(firm_a), "2026-03-20 10:00")
    assert question_deadline(meeting) == at("2026-03-13 10:00", "America/New_York")


def test_a_meeting_reads_no_setting_itself(app, firm_a, count_queries):
    """The deadline needs a program setting, so the schedule computes it (issue 11): reading
    a loaded meeting's own attributes never queries the database behind a property."""
    meeting = meeting_at(factories.engagement(firm_a), "2026-03-20 10:00")
    db.session.commit()
    db.session.refresh(meeting)
    assert not hasattr(Meeting, "question_deadline")
    assert not hasattr(Meeting, "normal_question_deadline")
    with count_queries() as queries:
        for name in dir(meeting):
            if not name.startswith("_") and isinstance(getattr(Meeting, name, None), property):
                getattr(meeting, name)
    assert queries.count == 0


def test_a_wall_clock_time_skipped_by_the_clocks_is_refused():
    with pytest.raises(LocalTimeError, match="does not exist in America/New_York"):
        local_to_utc(datetime(2026, 3, 8, 2, 30), "America/New_York")


def test_a_repeated_hour_means_its_first_occurrence():
    assert local_to_utc(datetime(2026, 11, 1, 1, 30), "America/New_York") == at("2026-11-01 05:30")


@pytest.fixture
def dst_meeting(app, firm_a, fda_staff):
    """A meeting on 20 March 2026 10:00 New York time, after the clocks went forward."""
    meeting = meeting_at(factories.engagement(firm_a), "2026-03-20 10:00")
    db.session.commit()
    return meeting


@pytest.fixture
def kolkata_user(firm_a):
    return factories.user(Role.FIRM_STAFF, firm=firm_a, timezone="Asia/Kolkata")


def submit(meeting, author, subject="Cleaning validation"):
    return services.submit_question(
        meeting, author, subject=subject, topic="production_process", body="How?"
    )


def test_submission_accepted_one_second_before_the_deadline(
    dst_meeting, kolkata_user, time_machine
):
    deadline = at("2026-03-06 15:00")
    assert question_deadline(dst_meeting) == deadline
    time_machine.move_to(deadline - ONE_SECOND, tick=False)
    question = submit(dst_meeting, kolkata_user)
    assert question.submitted_at == deadline - ONE_SECOND


@pytest.mark.parametrize("after", [timedelta(0), ONE_SECOND, timedelta(days=3)])
def test_submission_refused_at_the_deadline_and_after(
    dst_meeting, kolkata_user, time_machine, after
):
    time_machine.move_to(at("2026-03-06 15:00") + after, tick=False)
    with pytest.raises(services.QuestionError) as refused:
        submit(dst_meeting, kolkata_user)
    # Named in the author's own zone: 15:00 UTC is 20:30 in India.
    assert str(refused.value) == "Questions for this meeting closed at Fri 6 Mar 2026, 20:30 IST."
    assert db.session.query(Question).count() == 0


def test_autumn_meeting_closes_337_hours_before(app, firm_a, kolkata_user, time_machine):
    meeting = meeting_at(factories.engagement(firm_a), "2026-11-10 10:00")
    deadline = at("2026-10-27 14:00")
    time_machine.move_to(deadline - ONE_SECOND, tick=False)
    submit(meeting, kolkata_user)
    time_machine.move_to(deadline, tick=False)
    with pytest.raises(services.QuestionError):
        submit(meeting, kolkata_user)


def post_question(client, meeting):
    return client.post(
        "/firm/questions/new",
        data={
            "meeting": str(meeting.public_id),
            "subject": "Hold times",
            "topic": "production_process",
            "body": "What evidence supports our hold times?",
        },
    )


def test_the_form_accepts_at_deadline_minus_one_second_and_refuses_at_it(
    dst_meeting, kolkata_user, sign_in, no_csrf, time_machine
):
    deadline = at("2026-03-06 15:00")
    time_machine.move_to(deadline - timedelta(hours=2), tick=False)
    page = sign_in(kolkata_user).get("/firm/questions/new").get_data(as_text=True)
    assert "Fri 6 Mar 2026, 20:30 IST" in page  # the deadline in the viewer's zone
    assert "2 hours" in page  # and the time left

    time_machine.move_to(deadline - ONE_SECOND, tick=False)
    assert post_question(sign_in(kolkata_user), dst_meeting).status_code == 302

    time_machine.move_to(deadline, tick=False)
    response = post_question(sign_in(kolkata_user), dst_meeting)
    assert response.status_code == 200
    assert "Questions for this meeting closed at Fri 6 Mar 2026, 20:30 IST." in response.get_data(
        as_text=True
    )
    assert db.session.query(Question).count() == 1


def test_after_the_deadline_the_form_is_closed_and_offers_the_next_open_meeting(
    dst_meeting, kolkata_user, sign_in, time_machine
):
    later = meeting_at(dst_meeting.engagement, "2026-05-04 10:00")
    db.session.commit()
    time_machine.move_to(at("2026-03-07 12:00"), tick=False)
    page = (
        sign_in(kolkata_user)
        .get(f"/firm/questions/new?meeting={dst_meeting.public_id}")
        .get_data(as_text=True)
    )
    assert "Questions for this meeting are closed" in page
    assert "closed at Fri 6 Mar 2026, 20:30 IST" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>")[0]
    assert f"/firm/questions/new?meeting={later.public_id}" in page


def test_with_no_meeting_open_the_form_says_so(dst_meeting, kolkata_user, sign_in, time_machine):
    time_machine.move_to(at("2026-03-07 12:00"), tick=False)
    page = sign_in(kolkata_user).get("/firm/questions/new").get_data(as_text=True)
    assert "No meeting is taking questions" in page


# --- FDA's extension ----------------------------------------------------------------------------


def test_an_extension_reopens_questions_until_the_new_deadline(
    dst_meeting, kolkata_user, fda_staff, time_machine
):
    time_machine.move_to(at("2026-03-07 12:00"), tick=False)
    meeting_services.extend_question_deadline(
        dst_meeting,
        datetime(2026, 3, 13, 17, 0),
        "America/New_York",
        "The firm's quality lead was on leave.",
        by=fda_staff,
    )
    extended = at("2026-03-13 21:00")  # 17:00 EDT
    assert dst_meeting.deadline_extended_to == extended
    assert question_deadline(dst_meeting) == extended
    assert dst_meeting.extended_by_id == fda_staff.id

    time_machine.move_to(extended - ONE_SECOND, tick=False)
    submit(dst_meeting, kolkata_user)
    time_machine.move_to(extended, tick=False)
    with pytest.raises(services.QuestionError, match="closed at Sat 14 Mar 2026, 02:30 IST"):
        submit(dst_meeting, kolkata_user)


def test_the_extension_is_audited_with_its_reason(dst_meeting, fda_staff, time_machine):
    from portal.audit.models import AuditEvent

    time_machine.move_to(at("2026-03-01 12:00"), tick=False)
    meeting_services.extend_question_deadline(
        dst_meeting, datetime(2026, 3, 10, 9, 0), "America/New_York", "Holiday week", by=fda_staff
    )
    event = db.session.query(AuditEvent).filter_by(action="meeting.deadline_extend").one()
    assert event.actor_id == fda_staff.id
    assert event.object_id == str(dst_meeting.public_id)
    assert "Holiday week" in event.detail
    assert "Fri 6 Mar 2026, 10:00 EST -> Tue 10 Mar 2026, 09:00 EDT" in event.detail


@pytest.mark.parametrize(
    ("wall_clock", "reason", "message"),
    [
        (datetime(2026, 3, 5, 9, 0), "x", "later than the normal deadline"),
        (datetime(2026, 3, 20, 10, 0), "x", "before the meeting starts"),
        (datetime(2026, 3, 10, 9, 0), "   ", "Say why"),
        (datetime(2026, 3, 8, 2, 30), "x", "does not exist"),
    ],
)
def test_an_extension_must_be_later_before_the_start_and_explained(
    dst_meeting, fda_staff, time_machine, wall_clock, reason, message
):
    time_machine.move_to(at("2026-03-01 12:00"), tick=False)
    with pytest.raises(meeting_services.MeetingError, match=message):
        meeting_services.extend_question_deadline(
            dst_meeting, wall_clock, "America/New_York", reason, by=fda_staff
        )
    assert dst_meeting.deadline_extended_to is None


def test_rescheduling_moves_the_deadline_and_drops_an_old_extension(
    dst_meeting, fda_staff, time_machine
):
    time_machine.move_to(at("2026-03-01 12:00"), tick=False)
    meeting_services.extend_question_deadline(
        dst_meeting, datetime(2026, 3, 10, 9, 0), "America/New_York", "Leave", by=fda_staff
    )
    details = meeting_services.MeetingDetails(
        starts_local=datetime(2026, 4, 7, 14, 0),
        timezone="Europe/London",
        duration_minutes=90,
        mode=dst_meeting.mode,
        join_details=dst_meeting.join_details,
        agenda=dst_meeting.agenda,
    )
    assert meeting_services.update_meeting(dst_meeting, details, by=fda_staff)
    assert dst_meeting.deadline_extended_to is None
    # 14:00 BST on 7 April; 14:00 GMT on 24 March (the UK changes on 29 March): 335 hours.
    assert question_deadline(dst_meeting) == at("2026-03-24 14:00")
    assert hours(dst_meeting.starts_at - question_deadline(dst_meeting)) == 335
