"""The dashboard's per-day summary rows (portal.metrics.summary) stay equal to a recount from
the questions and meetings, whatever writes them and however many write at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, insert, select, text, update
from sqlalchemy.orm import Session

from portal.auth.models import Role, User, UserStatus
from portal.extensions import db
from portal.feedback.models import FeedbackAnswer, MeetingSurvey
from portal.meetings.models import Meeting, MeetingStatus
from portal.metrics import summary
from portal.metrics.measures import compute
from portal.metrics.models import MetricsAnswer, MetricsDay, MetricsRating, MetricsSite
from portal.metrics.period import Period
from portal.program.settings import update_settings
from portal.questions.models import Question
from portal.sites.eligibility import eligibility_clause
from portal.sites.models import RegulatoryAction, Site
from portal.timeutil import PROGRAM_TIMEZONE, to_local
from tests import factories, factories_metrics
from tests.factories_metrics import EXPECTED, NOW, at

FY2025 = Period.for_fiscal_year(2025)


def _kept() -> dict:
    rows = db.session.execute(
        select(MetricsDay.day, *(getattr(MetricsDay, c) for c in summary.COLUMNS))
    )
    return {str(day): tuple(values) for day, *values in rows if any(values)}


def _recounted() -> dict:
    """Every figure of every day, counted afresh from the records."""
    dialect = db.session.get_bind().dialect.name
    rows = db.session.execute(text(summary._totals(summary.all_rows(dialect))))
    return {str(day): tuple(int(v) for v in values) for day, *values in rows if any(values)}


def _answers_kept() -> list:
    rows = db.session.execute(
        select(MetricsAnswer.question_id, MetricsAnswer.day, MetricsAnswer.days).order_by(
            MetricsAnswer.question_id
        )
    )
    return [(q, str(day), round(days, 6)) for q, day, days in rows]


def _answers_recounted() -> list:
    answered = (
        select(Question.id, Question.submitted_at, Question.responded_at)
        .where(Question.withdrawn_at.is_(None), Question.responded_at.is_not(None))
        .order_by(Question.id)
    )
    return [
        (q, str(fiscal_day(responded)), round((responded - submitted) / timedelta(days=1), 6))
        for q, submitted, responded in db.session.execute(answered)
    ]


def _ratings_kept() -> dict:
    columns = [getattr(MetricsRating, c) for c in summary.RATING_COLUMNS]
    rows = db.session.execute(select(MetricsRating.day, MetricsRating.question_id, *columns))
    return {(str(day), q): tuple(values) for day, q, *values in rows if any(values)}


def _ratings_recounted() -> dict:
    dialect = db.session.get_bind().dialect.name
    sums = ", ".join(f"sum({c})" for c in summary.RATING_COLUMNS)
    rows = db.session.execute(
        text(
            f"SELECT day, question_id, {sums} FROM ({summary.all_rating_rows(dialect)}) AS a "
            "GROUP BY day, question_id"
        )
    )
    return {(str(day), q): tuple(int(v) for v in values) for day, q, *values in rows}


def _verdicts_kept() -> dict:
    return dict(db.session.execute(select(MetricsSite.site_id, MetricsSite.eligible)).all())


def _verdicts_now() -> dict:
    """``sites.eligibility``'s verdict on every site, with the settings as they are."""
    verdict = case((eligibility_clause(), 1), else_=0)
    return dict(db.session.execute(select(Site.id, verdict)).all())


def _assert_kept_right() -> None:
    db.session.rollback()
    assert _kept() == _recounted()
    assert _ratings_kept() == _ratings_recounted()
    assert _verdicts_kept() == _verdicts_now()
    assert _answers_kept() == _answers_recounted()


def fiscal_day(moment):
    """The program day of a UTC instant, worked out in Python."""
    return to_local(moment, PROGRAM_TIMEZONE).date()


def test_the_rows_follow_every_kind_of_change(history):
    m1, m2, m3, m6, _m7 = history.meetings
    _assert_kept_right()
    assert _kept(), "the factories' records were counted as they were written"

    # A meeting rescheduled across the end of daylight saving: its questions' deadline moves.
    m3.starts_at = at(2024, 11, 2, 15)
    db.session.commit()
    _assert_kept_right()
    # Cancelled, then held again; a scheduled meeting marked held.
    m1.status = MeetingStatus.CANCELLED
    db.session.commit()
    _assert_kept_right()
    m1.status = MeetingStatus.HELD
    db.session.commit()
    _assert_kept_right()

    question = db.session.scalars(select(Question).where(Question.meeting_id == m1.id)).first()
    question.withdrawn_at = NOW  # withdrawn
    db.session.commit()
    _assert_kept_right()
    question.withdrawn_at = None
    question.responded_at = at(2025, 1, 5, 12)  # answered on another day
    question.meeting_id = m6.id  # moved to another meeting (and firm's meeting, in the test)
    question.firm_id = m6.firm_id
    question.engagement_id = m6.engagement_id
    db.session.commit()
    _assert_kept_right()

    # Bulk statements from another session bypass the ORM; the triggers still count them.
    with Session(db.engine) as other:
        other.execute(update(Question).where(Question.meeting_id == m2.id).values(withdrawn_at=NOW))
        other.execute(
            insert(Question),
            [
                factories_metrics.question_values(
                    m3, history.firm_users[0].id, at(2024, 10, 20, 12 + n)
                )
                for n in range(3)
            ],
        )
        other.execute(delete(Question).where(Question.meeting_id == m3.id, Question.id % 2 == 0))
        other.commit()
    _assert_kept_right()

    # Feedback: a person leaves the firm's active users (still asked where they answered),
    # another answers, and a surveyed meeting moves into the next fiscal year.
    a1, s1, _d1, a2, _a3 = history.firm_users
    s1.status = UserStatus.DEACTIVATED
    db.session.commit()
    _assert_kept_right()
    survey = db.session.scalars(
        select(MeetingSurvey).where(MeetingSurvey.meeting_id == m6.id)
    ).one()
    factories.feedback_response(survey, factories.user(Role.FIRM_STAFF, firm=a2.firm), rating=4)
    db.session.commit()
    _assert_kept_right()
    answer = db.session.scalars(
        select(FeedbackAnswer).where(FeedbackAnswer.rating.is_not(None))
    ).first()
    answer.rating = 1 if answer.rating != 1 else 2
    db.session.commit()
    _assert_kept_right()
    m2.starts_at = at(2024, 10, 2, 15)
    db.session.commit()
    _assert_kept_right()
    a1.firm_id = a2.firm_id
    db.session.commit()
    _assert_kept_right()

    # Eligibility: an open action, then closed; an archived site; an override; the window.
    sites = history.sites
    action = factories.regulatory_action(sites.e1)
    db.session.commit()
    _assert_kept_right()
    action.closed_on = NOW.date()
    sites.e2.archived_at = NOW
    sites.x1.eligibility_override = True
    db.session.commit()
    _assert_kept_right()
    with Session(db.engine) as other:
        other.execute(delete(RegulatoryAction).where(RegulatoryAction.site_id == sites.x1.id))
        other.commit()
    _assert_kept_right()
    eligible = compute(FY2025).participation.eligible
    update_settings(
        {"inspection_window_start_fy": 2030, "inspection_window_end_fy": 2031}, by_user=history.fda
    )
    db.session.commit()
    _assert_kept_right()
    assert compute(FY2025).participation.eligible < eligible

    # The deadline setting recounts every question's "on time".
    update_settings({"question_deadline_days": 20}, by_user=history.fda)
    db.session.commit()
    _assert_kept_right()
    assert (
        compute(FY2025).engagement.questions_on_time
        != EXPECTED[2025]["engagement"]["questions_on_time"]
    )


def test_flask_metrics_rebuild_recounts_the_rows(history, runner):
    db.session.execute(text("UPDATE metrics_day SET questions_submitted = 0, meetings_held = 7"))
    db.session.commit()
    assert compute(FY2025).engagement.questions_submitted == 0

    result = runner.invoke(args=["metrics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Recounted the dashboard's summary" in result.output
    db.session.rollback()
    engagement = compute(FY2025).engagement
    assert engagement.questions_submitted == EXPECTED[2025]["engagement"]["questions_submitted"]
    assert engagement.meetings_held == EXPECTED[2025]["engagement"]["meetings_held"]
    _assert_kept_right()


def test_two_writers_at_once_keep_the_rows_right(history):
    """Three connections write questions, reschedule their meetings and change who is an
    active user of the firms, at the same moments (PostgreSQL: really at once; SQLite:
    one writer waits for the other)."""
    app = current_app._get_current_object()
    m1, _m2, m3, m6, _m7 = history.meetings
    author_id = history.firm_users[0].id
    starts = {m.id: m.starts_at for m in (m1, m3, m6)}
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def questions_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    meeting = (m1, m3, m6)[n % 3]
                    session.execute(
                        insert(Question),
                        [
                            factories_metrics.question_values(
                                meeting, author_id, meeting.starts_at - timedelta(days=13, hours=n)
                            )
                        ],
                    )
                    session.commit()
                    if n % 4 == 3:
                        session.execute(
                            update(Question)
                            .where(Question.meeting_id == meeting.id)
                            .values(withdrawn_at=NOW)
                        )
                        session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def meetings_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    meeting_id = list(starts)[n % 3]
                    starts[meeting_id] += timedelta(hours=2 if n % 2 else -2)
                    session.execute(
                        update(Meeting)
                        .where(Meeting.id == meeting_id)
                        .values(
                            starts_at=starts[meeting_id],
                            status=MeetingStatus.HELD if n % 3 else MeetingStatus.SCHEDULED,
                        )
                    )
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    people = [u.id for u in history.firm_users]

    def people_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    session.execute(
                        update(User)
                        .where(User.id == people[n % len(people)])
                        .values(status=UserStatus.ACTIVE if n % 2 else UserStatus.DEACTIVATED)
                    )
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=writer)
        for writer in (questions_writer, meetings_writer, people_writer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    _assert_kept_right()
    kept = compute(FY2025)
    from portal.metrics.services import rebuild_summaries

    rebuild_summaries()
    assert compute(FY2025) == kept
    db.session.rollback()
