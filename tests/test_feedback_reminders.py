"""One reminder, once, to firm users who have not answered after 7 days (SPEC 9, 10)."""

from __future__ import annotations

from datetime import timedelta

from portal.auth.models import Role, UserStatus
from portal.extensions import db
from portal.feedback.reminders import send_feedback_reminders
from portal.feedback.survey_templates import ensure_default_template
from portal.program.settings import update_settings
from portal.timeutil import utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import outbox


def _survey_opened(people, days_ago: float):
    opened = utcnow() - timedelta(days=days_ago)
    meeting = ff.held_meeting(people.engagement, starts_at=opened - timedelta(hours=2))
    survey = ff.survey(meeting, ensure_default_template(), opened_at=opened)
    db.session.commit()
    return survey


def test_nobody_is_reminded_before_seven_days(app):
    _survey_opened(ff.engagement_with_people(), days_ago=6.9)
    assert send_feedback_reminders() == 0
    assert not outbox("feedback_reminder")


def test_those_who_have_not_answered_are_reminded_once(app):
    people = ff.engagement_with_people(staff=2)
    factories.user(Role.FIRM_STAFF, firm=people.firm, status=UserStatus.DEACTIVATED)
    other = ff.engagement_with_people("Bravo Laboratories")
    survey = _survey_opened(people, days_ago=7.1)
    ff.respond(survey, people.staff[0], {1: 4, 2: 4, 3: True})
    db.session.commit()

    assert send_feedback_reminders() == 2
    messages = outbox("feedback_reminder")
    assert sorted(m.recipients for m in messages) == sorted(
        [people.admin.email, people.staff[1].email]
    )
    assert other.admin.email not in {m.recipients for m in messages}
    link = f"{app.config['PORTAL_BASE_URL']}/firm/feedback/{survey.public_id}"
    assert all(link in m.body_text and link in m.body_html for m in messages)
    assert "only reminder" in messages[0].body_text

    # However often cron runs it, and whatever happens to the setting, no second reminder.
    assert send_feedback_reminders() == 0
    admin = factories.user(Role.FDA_ADMIN)
    update_settings({"feedback_reminder_days": 3}, by_user=admin)
    db.session.commit()
    assert send_feedback_reminders() == 0
    assert len(outbox("feedback_reminder")) == 2


def test_closed_surveys_send_no_reminders(app):
    people = ff.engagement_with_people()
    opened = utcnow() - timedelta(days=40)
    meeting = ff.held_meeting(people.engagement, starts_at=opened)
    ff.survey(meeting, ensure_default_template(), opened_at=opened, days=30)
    db.session.commit()
    assert send_feedback_reminders() == 0


def test_the_delay_is_a_program_setting(app):
    people = ff.engagement_with_people(staff=0)
    update_settings({"feedback_reminder_days": 3}, by_user=factories.user(Role.FDA_ADMIN))
    _survey_opened(people, days_ago=3.5)
    assert send_feedback_reminders() == 1


def test_flask_reminders_send_runs_the_feedback_job(app, runner):
    _survey_opened(ff.engagement_with_people(staff=0), days_ago=8)
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "portal.feedback.reminders:send_feedback_reminders: 1 queued" in result.output
