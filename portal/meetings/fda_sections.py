"""FDA's meeting sections on the engagement page and the work list: data, not HTML.

The host page includes ``meetings/_fda_engagement.html`` or ``_fda_worklist.html``.
"""

from __future__ import annotations

from typing import Any

from portal.engagements.models import Engagement
from portal.meetings import queries
from portal.timeutil import utcnow


def engagement_meetings(engagement: Engagement) -> dict[str, Any]:
    """Every meeting of the engagement, latest first (the timeframe is on the engagement)."""
    return {"meetings": queries.engagement_meetings(engagement), "now": utcnow()}


def worklist_meetings(timezone: str) -> dict[str, Any]:
    """This week's meetings in the reader's week, and past meetings still to mark held."""
    now = utcnow()
    week_start, week_end = queries.week_bounds(now, timezone)
    return {
        "this_week": queries.meetings_between(week_start, week_end),
        "week_start": week_start,
        "week_end": week_end,
        "to_mark_held": queries.meetings_to_mark_held(now),
        "now": now,
    }
