"""FDA's quality-action sections on the engagement page and the work list: data, not HTML.

The host page includes ``quality/_fda_actions.html`` once per section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.engagements.models import Engagement
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.queries import UNFINISHED, shortlist


def engagement_actions(engagement: Engagement, today: date) -> dict[str, Any]:
    return shortlist(
        (QualityAction.engagement_id == engagement.id) & QualityAction.status.in_(UNFINISHED),
        today,
        heading="Quality actions",
        empty="No quality actions under way for this engagement.",
    )


def awaiting_verification(today: date) -> dict[str, Any]:
    """Actions the firm completed, waiting for FDA to verify them (SPEC 11)."""
    return shortlist(
        QualityAction.status == ActionStatus.COMPLETED,
        today,
        heading="Quality actions awaiting verification",
        empty="No completed actions are waiting for FDA to verify them.",
    )


def overdue_actions(today: date) -> dict[str, Any]:
    return shortlist(
        QualityAction.is_overdue(today),
        today,
        heading="Overdue quality actions",
        empty="No quality action is overdue.",
    )
