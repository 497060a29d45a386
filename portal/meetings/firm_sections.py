"""The firm's meeting sections on its home and engagement pages: data, not HTML.

The host page includes ``meetings/_firm_upcoming.html`` or ``_firm_engagement.html``.
Each section is one query, whatever the number of meetings.
"""

from __future__ import annotations

from typing import Any

from portal.meetings import queries
from portal.timeutil import utcnow


def upcoming_meetings(engagement_ids: list[int]) -> dict[str, Any]:
    """Upcoming meetings with their question deadline and the time left (issue 4)."""
    now = utcnow()
    return {"meetings": queries.upcoming_for_engagements(engagement_ids, now), "now": now}
