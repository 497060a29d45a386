"""The summary rows behind the dashboard's medians (issue 15): ``metrics_answer_month`` (answers
per month and whole day taken) and ``metrics_action_time`` (each quality action's days to
complete and to verify) follow every kind of write, equal a rebuild, stay right under
concurrent writers, and give the exact median whatever the period."""

from __future__ import annotations

import statistics
import threading
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.metrics.models import MetricsActionTime, MetricsAnswerMonth
from portal.metrics.period import Period
from portal.metrics.services import rebuild_summaries
from portal.metrics.summary.contributions import answer_month_rows
from portal.metrics.summary.readers import answer_median
from portal.quality.models import ActionStatus, QualityAction
from portal.questions.models import Question
from portal.timeutil import PROGRAM_TIMEZONE, to_local
from tests import factories, factories_metrics
from tests.factories_metrics import NOW, at


def _day(moment) -> date:
    return to_local(moment, PROGRAM_TIMEZONE).date()


def _months_kept() -> dict:
    rows = db.session.execute(
        select(MetricsAnswerMonth.day, MetricsAnswerMonth.bucket, MetricsAnswerMonth.answers)
    )
    return {(str(day), bucket): n for day, bucket, n in rows if n}


def _months_recounted() -> dict:
    """The same contributions the triggers add, for every question at once."""
    dialect = db.session.get_bind().dialect.name
    rows = db.session.execute(
        text(
            f"SELECT day, bucket, sum(answers) FROM "
            f"({answer_month_rows('q', dialect, ' FROM question q')}) AS a GROUP BY day, bucket"
        )
    )
    return {(str(day), bucket): int(n) for day, bucket, n in rows}


def _times_kept() -> list:
    rows = db.session.execute(
        select(
            MetricsActionTime.action_id,
            MetricsActionTime.step,
            MetricsActionTime.day,
            MetricsActionTime.days,
        ).order_by(MetricsActionTime.action_id, MetricsActionTime.step)
    )
    return [(a, step, str(day), round(days, 6)) for a, step, day, days in rows]


def _times_recounted() -> list:
    """Worked out in Python from the actions, as ``measures.quality_improvement`` defines them."""
    rows = []
    for action in db.session.scalars(select(QualityAction).order_by(QualityAction.id)):
        one_day = timedelta(days=1)
        if action.completed_at is not None:
            days = (action.completed_at - action.created_at) / one_day
            rows.append((action.id, "complete", str(_day(action.completed_at)), round(days, 6)))
        if action.verified_at is not None and action.completed_at is not None:
            days = (action.verified_at - action.completed_at) / one_day
            rows.append((action.id, "verify", str(_day(action.verified_at)), round(days, 6)))
    return rows


def _assert_kept_right() -> None:
    db.session.rollback()
    assert _months_kept() == _months_recounted()
    assert _times_kept() == _times_recounted()


def _answered_median(period: Period) -> float | None:
    """The median days to answer, worked out in Python from the questions."""
    days = [
        (responded - submitted) / timedelta(days=1)
        for submitted, responded in db.session.execute(
            select(Question.submitted_at, Question.responded_at).where(
                Question.withdrawn_at.is_(None), Question.responded_at.is_not(None)
            )
        )
        if period.first_day <= _day(responded) <= period.last_day
    ]
    return statistics.median(days) if days else None


def test_the_rows_follow_every_kind_of_write(history):
    _assert_kept_right()
    assert _months_kept() and _times_kept(), "the factories' records were counted"
    m1, m2, m3, _m6, _m7 = history.meetings

    # Questions: answered, the answer moved to another month, withdrawn and back.
    question = db.session.scalars(
        select(Question).where(Question.responded_at.is_(None)).order_by(Question.id)
    ).first()
    question.responded_at = question.submitted_at + timedelta(days=2, hours=5)
    db.session.commit()
    _assert_kept_right()
    question.responded_at = question.submitted_at + timedelta(days=40)
    db.session.commit()
    _assert_kept_right()
    question.withdrawn_at = NOW
    db.session.commit()
    _assert_kept_right()
    question.withdrawn_at = None
    question.submitted_at -= timedelta(days=3)  # the same answer, three days longer
    db.session.commit()
    _assert_kept_right()

    # Bulk statements from another session: inserted answered, re-answered, deleted.
    author_id = history.firm_users[0].id
    with Session(db.engine) as other:
        other.execute(
            insert(Question),
            [
                factories_metrics.question_values(
                    m3,
                    author_id,
                    at(2024, 10, 20, 12 + n),
                    responded_at=at(2024, 10, 20, 12 + n) + timedelta(days=n, hours=n),
                )
                for n in range(5)
            ],
        )
        other.execute(
            update(Question)
            .where(Question.meeting_id == m2.id)
            .values(responded_at=at(2024, 12, 31, 23))
        )
        other.execute(delete(Question).where(Question.meeting_id == m1.id))
        other.commit()
    _assert_kept_right()

    # Quality actions: opened, completed, verified, reopened, re-dated, deleted.
    engagement = history.meetings[0].engagement
    action = factories.quality_action(engagement, history.fda, created_at=at(2025, 1, 2, 15))
    db.session.commit()
    _assert_kept_right()
    action.status = ActionStatus.COMPLETED
    action.completed_at = at(2025, 1, 20, 3)  # 19 Jan in the program's zone
    db.session.commit()
    _assert_kept_right()
    action.status = ActionStatus.VERIFIED
    action.verified_at = at(2025, 2, 1, 12)
    db.session.commit()
    _assert_kept_right()
    action.created_at = at(2024, 12, 1, 15)
    action.verified_at = None
    db.session.commit()
    _assert_kept_right()
    with Session(db.engine) as other:
        other.execute(update(QualityAction).values(completed_at=at(2025, 3, 1, 12)))
        other.execute(delete(QualityAction).where(QualityAction.id == action.id))
        other.commit()
    _assert_kept_right()


def test_a_rebuild_equals_the_rows_the_triggers_kept(history):
    m3 = history.meetings[2]
    factories_metrics.add_volume(3, at(2025, 2, 1, 15))
    db.session.execute(
        insert(Question),
        [
            factories_metrics.question_values(
                m3,
                history.firm_users[0].id,
                at(2024, 10, 1, n),
                responded_at=at(2024, 11, 1, n) + timedelta(minutes=7 * n),
            )
            for n in range(10)
        ],
    )
    db.session.commit()
    kept = (_months_kept(), _times_kept())
    db.session.execute(text("UPDATE metrics_answer_month SET answers = answers + 1"))
    db.session.execute(text("DELETE FROM metrics_action_time"))
    db.session.commit()
    assert (_months_kept(), _times_kept()) != kept

    rebuild_summaries()
    db.session.commit()
    assert (_months_kept(), _times_kept()) == kept
    _assert_kept_right()


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2024, 10, 1), date(2025, 9, 30)),  # a fiscal year: whole months only
        (date(2024, 10, 15), date(2024, 12, 10)),  # partial months at both ends
        (date(2024, 11, 3), date(2024, 11, 20)),  # inside one month
        (date(2024, 11, 1), date(2024, 11, 1)),  # one day
        (date(2019, 10, 1), date(2026, 9, 30)),  # the whole history
        (date(2030, 1, 1), date(2030, 2, 1)),  # nothing answered: no median
    ],
)
def test_the_median_is_exact_whatever_the_period(history, first, last):
    """Many answers across months and whole-day buckets, with an even and an odd count: the
    median read from the summary equals the one worked out from the questions."""
    m3 = history.meetings[2]
    values = []
    for n in range(61):
        responded = at(2024, 10, 2, 12) + timedelta(days=n * 1.5, minutes=n)
        # Times spread over 0.1 to about 20 days, several in each whole-day bucket.
        values.append(
            factories_metrics.question_values(
                m3,
                history.firm_users[0].id,
                responded - timedelta(days=(n * 7 % 197) / 10 + 0.1),
                responded_at=responded,
            )
        )
    db.session.execute(insert(Question), values)
    db.session.commit()
    period = Period(first, last)
    expected = _answered_median(period)
    if expected is None:
        assert answer_median(period) is None
    else:
        assert answer_median(period) == pytest.approx(expected, abs=1e-6)
    # One answer more flips the count between odd and even.
    db.session.execute(
        insert(Question),
        [
            factories_metrics.question_values(
                m3,
                history.firm_users[0].id,
                at(2024, 11, 1, 12),
                responded_at=at(2024, 11, 1, 18),
            )
        ],
    )
    db.session.commit()
    expected = _answered_median(period)
    if expected is not None:
        assert answer_median(period) == pytest.approx(expected, abs=1e-6)


def test_writers_at_once_keep_the_rows_right(history):
    """Three connections answer questions, insert and delete answered ones, and move quality
    actions through their steps, at the same moments (PostgreSQL: really at once; SQLite:
    one writer waits for the other)."""
    app = current_app._get_current_object()
    m1, _m2, m3, m6, _m7 = history.meetings
    author_id = history.firm_users[0].id
    question_ids = list(db.session.scalars(select(Question.id).order_by(Question.id)))
    action_ids = list(db.session.scalars(select(QualityAction.id).order_by(QualityAction.id)))
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def answers_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    question_id = question_ids[n % len(question_ids)]
                    session.execute(
                        update(Question)
                        .where(Question.id == question_id)
                        .values(
                            responded_at=None if n % 5 == 4 else at(2025, 1 + n % 6, 3, n),
                            withdrawn_at=None,
                        )
                    )
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def questions_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    meeting = (m1, m3, m6)[n % 3]
                    submitted = at(2024, 12, 1, 12) + timedelta(hours=n)
                    session.execute(
                        insert(Question),
                        [
                            factories_metrics.question_values(
                                meeting,
                                author_id,
                                submitted,
                                responded_at=submitted + timedelta(days=n % 7, hours=n),
                            )
                        ],
                    )
                    session.commit()
                    if n % 4 == 3:
                        session.execute(
                            delete(Question).where(
                                Question.meeting_id == meeting.id,
                                Question.id.not_in(question_ids),
                            )
                        )
                        session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    def actions_writer():
        try:
            with app.app_context(), Session(db.engine) as session:
                start.wait()
                for n in range(20):
                    action_id = action_ids[n % len(action_ids)]
                    completed = at(2025, 2, 1, 12) + timedelta(days=n)
                    session.execute(
                        update(QualityAction)
                        .where(QualityAction.id == action_id)
                        .values(
                            completed_at=completed,
                            verified_at=completed + timedelta(days=n) if n % 2 else None,
                        )
                    )
                    session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=writer)
        for writer in (answers_writer, questions_writer, actions_writer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    _assert_kept_right()
    for period in (Period.for_fiscal_year(2025), Period(date(2024, 12, 5), date(2025, 3, 17))):
        assert answer_median(period) == pytest.approx(_answered_median(period), abs=1e-6)
