"""Two things at once: simultaneous answers by one person, simultaneous reminder runs.

Each thread has its own app context, so its own database session and
connection: on PostgreSQL two real transactions, on SQLite two connections
that the database serializes. A barrier holds both threads at the racy point
(after they looked and found nothing, before they write) so the race happens
every time rather than by luck.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.feedback import reminders, services
from portal.feedback.models import FeedbackAnswer, FeedbackResponse, MeetingSurvey
from portal.feedback.survey_templates import ensure_default_template
from portal.outbox.models import OutboxMessage, SentReminder
from portal.timeutil import utcnow
from tests import factories_feedback as ff


def _run_together(app, work, *, count: int = 2) -> list[BaseException]:
    """Run ``work(index)`` in ``count`` threads, each in its own app context; return errors."""
    errors: list[BaseException] = []

    def runner(index: int) -> None:
        with app.app_context():
            try:
                work(index)
            except BaseException as error:  # noqa: BLE001 - reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _first_call_waits(monkeypatch, module, name: str, barrier: threading.Barrier) -> None:
    """Make each thread's first call of ``module.name`` wait for the other thread's."""
    original = getattr(module, name)
    seen = threading.local()

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait(timeout=20)
        return result

    monkeypatch.setattr(module, name, waiting)


def test_two_simultaneous_first_answers_leave_one_response(app, monkeypatch):
    people = ff.engagement_with_people()
    survey = ff.survey(ff.held_meeting(people.engagement), ensure_default_template())
    db.session.commit()
    survey_id, user_id = survey.id, people.admin.id
    questions = list(survey.template.questions)
    answers = [
        {questions[0].id: "2", questions[1].id: "2", questions[2].id: "no"},
        {questions[0].id: "5", questions[1].id: "5", questions[2].id: "yes"},
    ]
    # Both threads find no response (the row lock has nothing to lock yet), then both insert.
    _first_call_waits(monkeypatch, services, "_locked_response", threading.Barrier(2))

    def answer(index: int) -> None:
        services.save_response(
            db.session.get(MeetingSurvey, survey_id), db.session.get(User, user_id), answers[index]
        )
        db.session.commit()  # as the view does: the request owns the transaction

    errors = _run_together(app, answer)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count(FeedbackResponse.id))) == 1
    stored = db.session.scalars(
        select(FeedbackAnswer).where(FeedbackAnswer.question_id == questions[0].id)
    ).all()
    assert len(stored) == 1 and stored[0].rating in (2, 5)  # one whole submission won, last


def test_two_simultaneous_reminder_runs_send_each_reminder_once(app, monkeypatch):
    people = ff.engagement_with_people(staff=2)
    meeting = ff.held_meeting(people.engagement, starts_at=utcnow() - timedelta(days=9))
    ff.survey(meeting, ensure_default_template(), opened_at=utcnow() - timedelta(days=8))
    db.session.commit()
    # Both runs compute the same due list before either writes its claims.
    _first_call_waits(monkeypatch, reminders, "_due", threading.Barrier(2))
    counts: list[int] = []

    def run(_index: int) -> None:
        counts.append(reminders.send_feedback_reminders())
        db.session.commit()  # as `flask reminders send` does after each job

    errors = _run_together(app, run)
    assert not errors, errors
    assert sum(counts) == 3
    db.session.expire_all()
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "feedback_reminder")
    ).all()
    assert sorted(m.recipients for m in sent) == sorted(
        [people.admin.email, *(p.email for p in people.staff)]
    )
    assert db.session.scalar(select(func.count(SentReminder.id))) == 3
