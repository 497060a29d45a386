""""The firm's active users" is one definition (issue 11): the people every email to the
firm goes to, whom feedback asks and reminds, and whom the dashboard counts as asked."""

from __future__ import annotations

from datetime import timedelta

from portal.auth.models import Role, UserStatus
from portal.auth.queries import active_firm_users
from portal.extensions import db
from portal.feedback.reminders import send_feedback_reminders
from portal.feedback.services import open_survey
from portal.feedback.survey_templates import ensure_default_template
from portal.metrics.measures import feedback
from portal.metrics.period import Period
from portal.timeutil import program_today, utcnow
from tests import factories
from tests import factories_feedback as ff
from tests.conftest import outbox


def test_only_active_accounts_of_the_firm_count(app, time_machine):
    people = ff.engagement_with_people(staff=1)
    factories.user(Role.FIRM_STAFF, firm=people.firm, status=UserStatus.DEACTIVATED)
    factories.user(Role.FIRM_STAFF, firm=people.firm, status=UserStatus.INVITED, password=None)
    ff.engagement_with_people("Bravo Laboratories")
    active = sorted([people.admin, people.staff[0]], key=lambda u: u.full_name)
    assert active_firm_users(people.firm.id) == active

    ensure_default_template()
    meeting = ff.held_meeting(people.engagement, starts_at=utcnow() - timedelta(hours=3))
    open_survey(meeting)
    db.session.commit()
    expected = sorted(u.email for u in active)
    assert sorted(m.recipients for m in outbox("feedback_request")) == expected
    today = program_today()
    assert feedback(Period(today - timedelta(days=1), today)).people_asked == 2

    time_machine.move_to(utcnow() + timedelta(days=8), tick=False)
    assert send_feedback_reminders() == 2
    assert sorted(m.recipients for m in outbox("feedback_reminder")) == expected
