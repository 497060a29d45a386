"""FDA's feedback section on the engagement page: data, not HTML.

The host page includes ``feedback/_fda_surveys.html``. One query, whatever the
number of meetings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.meetings.models import Meeting
from portal.security.scoping import scope_to_viewer
from portal.timeutil import utcnow


def engagement_surveys(engagement: Engagement) -> dict[str, Any]:
    """Each meeting's survey, latest meeting first, with how many people answered."""
    rows = db.session.execute(
        scope_to_viewer(_surveys_statement(), MeetingSurvey), {"engagement_id": engagement.id}
    ).all()
    return {"rows": rows, "now": utcnow()}


@cache
def _surveys_statement() -> Select:
    # Built once per process, the engagement a bound parameter: composing the statement and
    # computing SQLAlchemy's cache key cost about as much CPU as running it.
    responses = (
        select(func.count(FeedbackResponse.id))
        .where(FeedbackResponse.survey_id == MeetingSurvey.id)
        .correlate(MeetingSurvey)
        .scalar_subquery()
    )
    return (
        select(MeetingSurvey, Meeting, responses.label("responses"))
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .where(Meeting.engagement_id == bindparam("engagement_id"))
        .order_by(Meeting.starts_at.desc())
    )
