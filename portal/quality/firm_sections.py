"""The firm's quality-action sections on its home and engagement pages: data, not HTML.

The host page includes ``quality/_firm_actions.html``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.engagements.models import Engagement
from portal.quality.models import QualityAction
from portal.quality.queries import UNFINISHED, shortlist


def unfinished_actions(engagement_ids: list[int], today: date) -> dict[str, Any] | None:
    """The firm's actions under way; None (no section) before the firm has an engagement."""
    if not engagement_ids:
        return None
    return shortlist(
        QualityAction.engagement_id.in_(engagement_ids) & QualityAction.status.in_(UNFINISHED),
        today,
        heading="Quality actions",
        empty="No quality actions under way.",
    )


def engagement_actions(engagement: Engagement, today: date) -> dict[str, Any]:
    return shortlist(
        (QualityAction.engagement_id == engagement.id) & QualityAction.status.in_(UNFINISHED),
        today,
        heading="Quality actions",
        empty="No quality actions under way for this engagement.",
    )
