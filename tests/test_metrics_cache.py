"""Cached dashboard figures stay equal to a fresh computation (portal.metrics.cache).

Every test compares the cached figures with ``compute`` run directly on the
same records: a write that the version missed would show as a difference.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.audit import services as audit
from portal.extensions import db
from portal.invitations.models import Invitation, InvitationStatus
from portal.metrics import cache
from portal.metrics.cache import current_version, measures_for
from portal.metrics.measures import compute
from portal.metrics.period import Period
from portal.questions.models import Question
from tests.factories_metrics import EXPECTED, NOW

FY2025 = Period.for_fiscal_year(2025)


def _fy2025_question_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(Question.id)
            .where(Question.withdrawn_at.is_(None), FY2025.contains(Question.submitted_at))
            .order_by(Question.id)
        )
    )


def _withdraw_elsewhere(question_id: int, withdrawn: bool = True) -> None:
    """Another session (another request, another worker) commits a change."""
    with Session(db.engine) as other:
        other.execute(
            update(Question)
            .where(Question.id == question_id)
            .values(withdrawn_at=NOW if withdrawn else None)
        )
        other.commit()


def test_a_period_is_computed_once_then_read_with_one_query(history, count_queries):
    first = measures_for(FY2025)
    assert first.participation.invited == EXPECTED[2025]["participation"]["invited"]
    db.session.rollback()
    with count_queries() as counter:
        again = measures_for(FY2025)
    assert again is first
    assert counter.count == 1  # the version, nothing else


def test_a_committed_change_is_in_the_next_figures(history):
    before = measures_for(FY2025)
    _withdraw_elsewhere(_fy2025_question_ids()[0])
    after = measures_for(FY2025)
    assert after.engagement.questions_submitted == before.engagement.questions_submitted - 1
    assert after == compute(FY2025)


def test_a_change_through_the_request_session_moves_the_figures(history):
    before = measures_for(FY2025)
    question = db.session.get(Question, _fy2025_question_ids()[0])
    question.withdrawn_at = NOW
    db.session.commit()
    assert measures_for(FY2025).engagement.questions_submitted == (
        before.engagement.questions_submitted - 1
    )


def test_a_rolled_back_change_keeps_the_version(history):
    measures_for(FY2025)
    version = current_version()
    question = db.session.get(Question, _fy2025_question_ids()[0])
    question.withdrawn_at = NOW
    db.session.flush()
    db.session.rollback()
    assert current_version() == version
    assert measures_for(FY2025) == compute(FY2025)


def test_page_views_in_the_audit_log_keep_the_cached_figures(history):
    measures_for(FY2025)
    version = current_version()
    audit.record("page.view", detail="the dashboard")
    db.session.commit()
    assert current_version() == version


def test_a_lapsing_link_moves_the_figures_without_any_write(history, time_machine):
    before = measures_for(FY2025)
    lapse = db.session.scalar(
        select(Invitation.expires_at).where(
            Invitation.status == InvitationStatus.SENT, Invitation.expires_at > NOW
        )
    )
    assert lapse is not None
    version = current_version()
    time_machine.move_to(lapse + timedelta(seconds=1), tick=False)
    after = measures_for(FY2025)
    assert current_version() == version
    assert after == compute(FY2025)
    assert after.participation.expired == before.participation.expired + 1
    assert after.participation.no_response == before.participation.no_response - 1


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_write_committed_while_the_figures_are_computed_is_not_lost(history, monkeypatch, moment):
    """The version is read before the figures: a write racing the computation shows next time."""
    question_id = _fy2025_question_ids()[0]
    real_compute = cache.compute

    def racing_compute(period):
        if moment == "before":
            _withdraw_elsewhere(question_id)
        measures = real_compute(period)
        if moment == "after":
            _withdraw_elsewhere(question_id)
        return measures

    monkeypatch.setattr(cache, "compute", racing_compute)
    measures_for(FY2025)
    monkeypatch.setattr(cache, "compute", real_compute)
    db.session.rollback()
    assert measures_for(FY2025) == compute(FY2025)


def test_figures_stay_right_under_concurrent_writes(history):
    """A writer commits changes while the dashboard is read; the last read equals a fresh count."""
    app = current_app._get_current_object()
    question_ids = _fy2025_question_ids()
    errors: list[BaseException] = []

    def writer():
        try:
            with app.app_context():
                for round_ in range(12):
                    _withdraw_elsewhere(question_ids[round_ % len(question_ids)], round_ % 3 != 2)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        measures_for(FY2025)
        db.session.rollback()
    thread.join()
    assert not errors
    assert measures_for(FY2025) == compute(FY2025)
