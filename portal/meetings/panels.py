"""Meetings on other domains' pages: the firm's home, the engagement page, FDA's work list."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.meetings import queries
from portal.panels import panel
from portal.timeutil import utcnow


@panel("firm_home", order=20)
def firm_home_meetings(*, engagements) -> str:
    """Upcoming meetings with their question deadline and the time left (issue 4)."""
    now = utcnow()
    meetings = queries.upcoming_for_engagements([e.id for e in engagements], now)
    return render_template("meetings/_panel_upcoming.html", meetings=meetings, now=now)


@panel("engagement", order=20)
def engagement_meetings(*, engagement) -> str:
    """FDA: every meeting of the engagement and the agreed timeframe; the firm: what is coming."""
    now = utcnow()
    if current_user.is_fda:
        return render_template(
            "meetings/_panel_engagement_fda.html",
            engagement=engagement,
            meetings=queries.engagement_meetings(engagement),
            now=now,
        )
    return render_template(
        "meetings/_panel_engagement_firm.html",
        engagement=engagement,
        meetings=queries.upcoming_for_engagements([engagement.id], now),
        now=now,
    )


@panel("worklist", order=20)
def worklist_meetings() -> str:
    """This week's meetings, and past meetings still waiting to be marked held."""
    now = utcnow()
    week_start, week_end = queries.week_bounds(now, current_user.timezone)
    return render_template(
        "meetings/_panel_worklist.html",
        this_week=queries.meetings_between(week_start, week_end),
        week_start=week_start,
        week_end=week_end,
        to_mark_held=queries.meetings_to_mark_held(now),
        now=now,
    )
