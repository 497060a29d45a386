"""Question-deadline reminders (SPEC 9): 7 days and 1 day before, each at most once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from portal.auth.models import Role, UserStatus
from portal.extensions import db
from portal.meetings import services as meeting_services
from portal.meetings.models import MeetingStatus
from portal.meetings.schedule import question_deadline
from portal.outbox.models import SentReminder
from portal.questions import reminders
from portal.questions.reminders import send_deadline_reminders
from tests import factories
from tests.conftest import outbox
from tests.factories_meetings import at, meeting_at

#: Of a meeting on 20 March 2026 at 10:00 New York time (EDT): 10:00 EST on 6 March.
DEADLINE = at("2026-03-06 15:00")
MINUTE = timedelta(minutes=1)


@pytest.fixture
def meeting(app, firm_a, firm_admin, firm_staff, fda_staff, other_firm_admin):
    factories.user(Role.FIRM_STAFF, firm=firm_a, status=UserStatus.DEACTIVATED)
    created = meeting_at(factories.engagement(firm_a, sent_by=fda_staff), "2026-03-20 10:00")
    db.session.commit()
    return created


def reminded(kind: str | None = None) -> list[str]:
    """Who got a reminder email, by address."""
    messages = outbox("questions_deadline_reminder")
    if kind == reminders.ONE_DAY:
        messages = [m for m in messages if "tomorrow" in m.subject]
    elif kind == reminders.SEVEN_DAYS:
        messages = [m for m in messages if "in a week" in m.subject]
    return sorted(r for m in messages for r in m.recipient_list)


def test_nothing_is_due_more_than_seven_days_before(meeting, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=7) - MINUTE, tick=False)
    assert send_deadline_reminders() == 0
    assert reminded() == []


def test_seven_day_reminder_goes_once_to_each_active_firm_user(
    meeting, firm_admin, firm_staff, time_machine
):
    time_machine.move_to(DEADLINE - timedelta(days=7), tick=False)
    assert send_deadline_reminders() == 2
    assert reminded(reminders.SEVEN_DAYS) == sorted([firm_admin.email, firm_staff.email])
    for _ in range(3):
        assert send_deadline_reminders() == 0
    time_machine.move_to(DEADLINE - timedelta(days=2), tick=False)
    assert send_deadline_reminders() == 0
    assert len(reminded()) == 2
    email = outbox("questions_deadline_reminder")[0]
    assert "Fri 6 Mar 2026, 10:00 EST" in email.body_text
    assert "7 days from now" in email.body_text
    assert f"/firm/questions/new?meeting={meeting.public_id}" in email.body_text


def test_one_day_reminder_then_nothing_at_or_after_the_deadline(
    meeting, firm_admin, firm_staff, time_machine
):
    time_machine.move_to(DEADLINE - timedelta(days=6), tick=False)
    assert send_deadline_reminders() == 2
    time_machine.move_to(DEADLINE - timedelta(days=1) + MINUTE, tick=False)
    assert send_deadline_reminders() == 2
    assert send_deadline_reminders() == 0
    assert reminded(reminders.ONE_DAY) == sorted([firm_admin.email, firm_staff.email])
    for moment in (DEADLINE, DEADLINE + timedelta(hours=1)):
        time_machine.move_to(moment, tick=False)
        assert send_deadline_reminders() == 0
    assert len(reminded()) == 4


def test_a_late_run_sends_only_the_reminder_due_now(meeting, time_machine):
    """Cron was down all week: one reminder, the 1-day one, not a stale 7-day one as well."""
    time_machine.move_to(DEADLINE - timedelta(hours=5), tick=False)
    assert send_deadline_reminders() == 2
    assert len(reminded(reminders.ONE_DAY)) == 2 and reminded(reminders.SEVEN_DAYS) == []


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_no_reminders_for_meetings_not_scheduled(meeting, time_machine, status):
    meeting.status = status
    db.session.commit()
    time_machine.move_to(DEADLINE - timedelta(days=1), tick=False)
    assert send_deadline_reminders() == 0


def test_rescheduling_makes_the_new_deadlines_reminders_due_again(meeting, fda_staff, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=7), tick=False)
    assert send_deadline_reminders() == 2
    meeting_services.update_meeting(
        meeting,
        meeting_services.MeetingDetails(
            datetime(2026, 3, 27, 10, 0),
            "America/New_York",
            meeting.duration_minutes,
            meeting.mode,
            meeting.join_details,
        ),
        by=fda_staff,
    )
    db.session.commit()
    new_deadline = at("2026-03-13 14:00")  # 10:00 EDT
    assert question_deadline(meeting) == new_deadline
    assert send_deadline_reminders() == 0  # not yet 7 days before the new deadline
    time_machine.move_to(new_deadline - timedelta(days=7), tick=False)
    assert send_deadline_reminders() == 2
    assert send_deadline_reminders() == 0
    keys = {r.due_key for r in db.session.query(SentReminder)}
    assert keys == {DEADLINE.isoformat(), new_deadline.isoformat()}


def test_an_extended_deadline_is_the_one_reminded(meeting, fda_staff, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=3), tick=False)
    assert send_deadline_reminders() == 2  # the 7-day one for the normal deadline
    meeting_services.extend_question_deadline(
        meeting, datetime(2026, 3, 16, 10, 0), "America/New_York", "Leave", by=fda_staff
    )
    db.session.commit()
    time_machine.move_to(at("2026-03-15 15:00"), tick=False)
    assert send_deadline_reminders() == 2
    assert "Mon 16 Mar 2026, 10:00 EDT" in outbox("questions_deadline_reminder")[-1].body_text


def test_the_command_reports_what_it_queued(meeting, runner, time_machine):
    time_machine.move_to(DEADLINE - timedelta(days=1), tick=False)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "portal.questions.reminders:send_deadline_reminders: 2 queued" in result.output


def test_two_concurrent_runs_send_each_reminder_once(app, meeting, monkeypatch, time_machine):
    """Both runs read that nothing was sent, then both try: the unique key lets one through.

    A barrier holds each run at its first insert until the other has read, so the
    race the command must survive (two cron jobs overlapping) happens every time,
    on SQLite and on PostgreSQL (TEST_DATABASE_URL).
    """
    time_machine.move_to(DEADLINE - timedelta(days=1), tick=False)
    barrier = threading.Barrier(2, timeout=10)
    original = reminders._send_once
    waited = threading.local()

    def send_once_after_both_have_read(*args):
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
        return original(*args)

    monkeypatch.setattr(reminders, "_send_once", send_once_after_both_have_read)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                counts.append(send_deadline_reminders())
                db.session.commit()  # as `flask reminders send` does after each job
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(counts) == 2 and len(counts) == 2
    db.session.expire_all()
    assert db.session.query(SentReminder).count() == 2
    assert len(reminded(reminders.ONE_DAY)) == 2
    assert len(set(reminded())) == 2


def test_every_reminder_job_claims_through_the_one_mechanism(
    app, meeting, runner, monkeypatch, time_machine
):
    """Deadline and feedback reminders share ``claim_reminder`` (issue 11): refuse it, and
    neither job queues anything."""
    from portal.feedback.survey_templates import ensure_default_template
    from portal.outbox import reminders as sent_reminders
    from tests import factories_feedback as ff

    time_machine.move_to(DEADLINE - timedelta(days=1), tick=False)
    people = ff.engagement_with_people("Charlie Labs", staff=0)
    held = ff.held_meeting(people.engagement, starts_at=DEADLINE - timedelta(days=9))
    ff.survey(held, ensure_default_template(), opened_at=DEADLINE - timedelta(days=8))
    db.session.commit()
    claimed: list[str] = []
    original = sent_reminders.claim_reminder

    def refuse(**key):
        claimed.append(key["kind"])
        return False

    monkeypatch.setattr(sent_reminders, "claim_reminder", refuse)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "0 reminders queued" in result.output
    assert sorted(set(claimed)) == ["feedback_7d", reminders.ONE_DAY]
    assert outbox("questions_deadline_reminder") == [] and outbox("feedback_reminder") == []

    monkeypatch.setattr(sent_reminders, "claim_reminder", original)
    assert "3 reminders queued" in runner.invoke(args=["reminders", "send"]).output


def test_a_reminder_claimed_twice_keeps_the_rest_of_the_transaction(app, firm_admin):
    """A second claim writes nothing and raises nothing: the earlier work in the same
    transaction survives (a failed INSERT used to roll it back)."""
    from portal.outbox.reminders import claim_reminder

    key = dict(kind=reminders.ONE_DAY, user_id=firm_admin.id, subject_key="m", due_key="d")
    assert claim_reminder(**key) is True
    other = factories.user(Role.FDA_STAFF, email="kept@fda.example.gov")
    assert claim_reminder(**key) is False
    db.session.commit()
    assert db.session.query(SentReminder).count() == 1
    assert db.session.get(type(other), other.id).email == "kept@fda.example.gov"
