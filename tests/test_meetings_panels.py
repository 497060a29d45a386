"""The meeting and question sections of the firm's home, the engagement pages and the work list,
and the firm-scoped reads behind them (confidentiality at the service level)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_login import login_user

from portal.extensions import db
from portal.meetings import queries as meeting_queries
from portal.meetings.models import MeetingStatus
from portal.questions import queries as question_queries
from portal.questions.models import QuestionStatus
from tests import factories, sections
from tests.factories_meetings import at, meeting_at

NOW = at("2026-03-04 17:00")  # a Wednesday; noon in New York


@pytest.fixture
def setting(app, firm_a, firm_admin, firm_staff, fda_staff, other_firm_admin, time_machine):
    time_machine.move_to(NOW, tick=False)
    engagement = factories.engagement(firm_a, sent_by=fda_staff)
    other = factories.engagement(other_firm_admin.firm, sent_by=fda_staff)
    upcoming = meeting_at(engagement, "2026-03-30 10:00")
    this_week = meeting_at(engagement, "2026-03-06 09:00")
    over = meeting_at(engagement, "2026-03-03 09:00")  # over, not marked held
    in_progress = meeting_at(engagement, "2026-03-04 11:30")  # 16:30 UTC, 60 minutes
    theirs = meeting_at(other, "2026-03-31 10:00")
    awaiting = factories.question(upcoming, firm_staff, subject="Awaiting an answer")
    factories.question(
        upcoming, firm_staff, subject="Already answered", status=QuestionStatus.ANSWERED_IN_WRITING
    )
    factories.question(theirs, other_firm_admin, subject="Bravo's question")
    db.session.commit()
    return locals()


@contextmanager
def viewing_as(app, user):
    with app.test_request_context():
        login_user(user)
        yield


def test_firm_home_shows_upcoming_meetings_deadline_time_left_and_question_status(
    app, setting, firm_staff
):
    with viewing_as(app, firm_staff):
        html = sections.firm_home([setting["engagement"]])
    assert "Upcoming meetings with FDA" in html
    assert "Mon 30 Mar 2026, 10:00 EDT" in html
    assert "Mon 16 Mar 2026, 10:00 EDT" in html  # its question deadline
    assert "11 days, 21 hours left" in html
    assert "Awaiting an answer" in html and "Received" in html
    assert "Already answered" in html and "Answered in writing" in html
    assert "Bravo" not in html and "Tue 31 Mar" not in html


def test_firm_home_section_cannot_be_pointed_at_another_firms_engagement(app, setting, firm_staff):
    with viewing_as(app, firm_staff):
        html = sections.firm_home([setting["other"]])
    assert "Bravo" not in html and "Tue 31 Mar" not in html
    assert "No meetings scheduled" in html


def test_engagement_sections_for_fda_offers_scheduling_and_the_timeframe(app, setting, fda_staff):
    engagement = setting["engagement"]
    with viewing_as(app, fda_staff):
        html = sections.fda_engagement(engagement)
    assert f"/meetings/new/{engagement.public_id}" in html
    assert "Record the agreed timeframe" in html
    assert "Questions from the firm" in html
    engagement.timeframe_cadence = "Monthly"
    engagement.timeframe_expected_end = NOW.date() + timedelta(days=200)
    engagement.timeframe_recorded_at = NOW
    with viewing_as(app, fda_staff):
        html = sections.fda_engagement(engagement)
    assert "Monthly" in html and "20 Sep 2026" in html


def test_engagement_sections_for_the_firm_shows_what_is_coming(app, setting, firm_admin):
    setting["engagement"].timeframe_cadence = "Every six weeks"
    setting["engagement"].timeframe_recorded_at = NOW
    with viewing_as(app, firm_admin):
        html = sections.firm_engagement(setting["engagement"])
    assert "Every six weeks" in html
    assert "/meetings/new/" not in html
    assert "Mon 30 Mar 2026, 10:00 EDT" in html
    assert "Your questions" in html


def test_worklist_shows_this_week_to_mark_held_and_awaiting(app, setting, fda_staff):
    with viewing_as(app, fda_staff):
        html = sections.worklist()
    week, mark_held = html.split("Meetings to mark held")
    week = week.split("Meetings this week", 1)[1]
    assert "Fri 6 Mar 2026, 09:00 EST" in week  # this week
    assert "Tue 3 Mar 2026, 09:00 EST" in week
    assert "Mon 30 Mar" not in week
    assert f"/meetings/{setting['over'].public_id}/held" in mark_held
    assert f"/meetings/{setting['in_progress'].public_id}/held" not in mark_held  # not over yet
    assert "Questions awaiting a response (2)" in html
    assert "Awaiting an answer" in html and "Already answered" not in html


def test_cancelled_meetings_questions_do_not_await_a_response(app, setting, fda_staff):
    setting["upcoming"].status = MeetingStatus.CANCELLED
    db.session.commit()
    questions, total = question_queries.awaiting_response()
    assert total == 1 and [q.subject for q in questions] == ["Bravo's question"]


def test_firm_scoped_reads_hold_only_the_viewers_firm(app, setting, firm_staff):
    ids = [setting["engagement"].id, setting["other"].id]
    with viewing_as(app, firm_staff):
        meetings = meeting_queries.upcoming_for_engagements(ids, NOW)
        questions = question_queries.engagement_questions(ids)
        open_now = question_queries.open_meetings(NOW)
        counts = meeting_queries.question_counts(
            [setting["upcoming"].id, setting["theirs"].id], firm_side=True
        )
        theirs = meeting_queries.meeting_questions(setting["theirs"])
    firm_id = firm_staff.firm_id
    assert meetings and all(m.firm_id == firm_id for m in meetings)
    assert questions and all(q.firm_id == firm_id for q in questions)
    assert open_now and all(m.firm_id == firm_id for m in open_now)
    assert counts == {setting["upcoming"].id: 2}
    assert theirs == []
