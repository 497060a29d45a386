"""The demo data of the feedback and quality domains (`flask seed-demo`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal import demo
from portal.extensions import db
from portal.feedback import demo as feedback_demo
from portal.feedback.models import FeedbackResponse, MeetingSurvey, SurveyTemplate
from portal.feedback.services import survey_is_open
from portal.quality import demo as quality_demo
from portal.quality.models import ActionStatus, QualityAction


def test_the_demo_has_surveys_answers_and_actions_in_each_state(app):
    assert demo.seed()
    assert db.session.scalar(select(func.count(SurveyTemplate.id))) == 1
    surveys = db.session.scalars(select(MeetingSurvey)).all()
    assert any(survey_is_open(s) for s in surveys), "one survey can still be answered"
    assert db.session.scalar(select(func.count(FeedbackResponse.id))) >= 1
    actions = db.session.scalars(select(QualityAction)).all()
    statuses = {a.status for a in actions}
    assert {ActionStatus.COMPLETED, ActionStatus.VERIFIED, ActionStatus.PLANNED} <= statuses
    assert any(a.is_overdue(date.today()) for a in actions)
    assert all(a.events for a in actions), "history kept from the first status"
    assert not demo.seed(), "a second run changes nothing"


def test_domain_seeds_skip_what_is_missing(app):
    feedback_demo.seed(people={}, firms=[])
    quality_demo.seed(people={}, firms=[])
    db.session.commit()
    assert db.session.scalar(select(func.count(SurveyTemplate.id))) == 1
    assert db.session.scalar(select(func.count(MeetingSurvey.id))) == 0
    assert db.session.scalar(select(func.count(QualityAction.id))) == 0
