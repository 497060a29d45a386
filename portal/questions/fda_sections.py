"""FDA's question sections on the engagement page and the work list: data, not HTML.

The host page includes ``questions/_fda_engagement.html`` or ``_fda_worklist.html``.
"""

from __future__ import annotations

from typing import Any

from portal.engagements.models import Engagement
from portal.questions import queries
from portal.timeutil import utcnow


def engagement_questions(engagement: Engagement) -> dict[str, Any]:
    """The engagement's latest questions with their status."""
    return {"questions": queries.engagement_questions([engagement.id])}


def awaiting_response() -> dict[str, Any]:
    """Questions still waiting for FDA's response, the longest wait first."""
    questions, total = queries.awaiting_response()
    return {"questions": questions, "total": total}


def my_questions(person_id: int) -> dict[str, Any]:
    """The viewer's assigned questions still to answer, the soonest due first (SPEC 8)."""
    questions, total = queries.my_questions_panel(person_id)
    return {"questions": questions, "total": total, "now": utcnow()}
