"""The demo meetings and questions (`flask seed-demo`)."""

from __future__ import annotations

from portal.extensions import db
from portal.meetings import demo as meetings_demo
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import accepts_questions
from portal.questions import demo as questions_demo
from portal.questions.models import Question, QuestionStatus
from tests import factories
from tests.conftest import outbox
from tests.factories_meetings import firm_with_people


def test_demo_gives_each_firm_meetings_and_the_first_its_questions(app, fda_staff):
    first, _lead, _staff = firm_with_people("Northwind")
    second, _, _ = firm_with_people("Meridian")
    factories.engagement(first, sent_by=fda_staff)
    factories.engagement(second, sent_by=fda_staff)
    people = {fda_staff.email: fda_staff}
    meetings_demo.seed(people=people, firms=[first, second])
    questions_demo.seed(people=people, firms=[first, second])
    db.session.commit()

    mine = db.session.query(Meeting).filter_by(firm_id=first.id).order_by(Meeting.starts_at).all()
    assert [m.status for m in mine] == [MeetingStatus.HELD, MeetingStatus.SCHEDULED]
    assert mine[1].engagement.timeframe_cadence
    theirs = db.session.query(Meeting).filter_by(firm_id=second.id).one()
    assert theirs.status == MeetingStatus.SCHEDULED
    assert not accepts_questions(theirs, theirs.created_at)  # shows the closed form

    questions = db.session.query(Question).filter_by(meeting_id=mine[1].id).all()
    assert {q.status for q in questions} == {
        QuestionStatus.RECEIVED,
        QuestionStatus.ANSWERED_IN_WRITING,
        QuestionStatus.FOR_DISCUSSION,
    }
    assert db.session.query(Question).filter_by(meeting_id=mine[0].id).count() == 1
    assert len(outbox("meetings_scheduled")) == 4  # two people at each firm


def test_demo_skips_firms_without_an_engagement(app, fda_staff):
    firm, _, _ = firm_with_people()
    meetings_demo.seed(people={fda_staff.email: fda_staff}, firms=[firm])
    questions_demo.seed(people={fda_staff.email: fda_staff}, firms=[firm])
    assert db.session.query(Meeting).count() == 0
