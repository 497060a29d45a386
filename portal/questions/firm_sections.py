"""The firm's question section on its home and engagement pages: data, not HTML.

The host page includes ``questions/_firm_latest.html``.
"""

from __future__ import annotations

from typing import Any

from portal.questions import queries


def latest_questions(engagement_ids: list[int]) -> dict[str, Any]:
    """The firm's latest questions with their status."""
    return {"questions": queries.engagement_questions(engagement_ids)}
