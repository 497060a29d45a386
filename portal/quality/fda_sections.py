"""FDA's quality-action sections on the engagement page and the work list: data, not HTML.

The host page includes ``quality/_fda_actions.html`` once per section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam

from portal.engagements.models import Engagement
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.queries import UNFINISHED, prepared_shortlist


def _of_engagement():
    return (QualityAction.engagement_id == bindparam("engagement_id")) & QualityAction.status.in_(
        UNFINISHED
    )


def _awaiting_verification():
    return QualityAction.status == ActionStatus.COMPLETED


def _overdue():
    return QualityAction.is_overdue(bindparam("today"))


def engagement_actions(engagement: Engagement, today: date) -> dict[str, Any]:
    return prepared_shortlist(
        _of_engagement,
        today,
        heading="Quality actions",
        empty="No quality actions under way for this engagement.",
        engagement_id=engagement.id,
    )


def awaiting_verification(today: date) -> dict[str, Any]:
    """Actions the firm completed, waiting for FDA to verify them (SPEC 11)."""
    return prepared_shortlist(
        _awaiting_verification,
        today,
        heading="Quality actions awaiting verification",
        empty="No completed actions are waiting for FDA to verify them.",
    )


def overdue_actions(today: date) -> dict[str, Any]:
    return prepared_shortlist(
        _overdue,
        today,
        heading="Overdue quality actions",
        empty="No quality action is overdue.",
    )
