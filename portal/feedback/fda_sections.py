"""FDA's feedback section on the engagement page: data, not HTML.

The host page includes ``feedback/_fda_surveys.html``. One query, whatever the
number of meetings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.meetings.models import Meeting
from portal.security.scoping import scope_to_viewer
from portal.timeutil import utcnow


def engagement_surveys(engagement: Engagement) -> dict[str, Any]:
    """Each meeting's survey, latest meeting first, with how many people answered."""
    responses = (
        select(func.count(FeedbackResponse.id))
        .where(FeedbackResponse.survey_id == MeetingSurvey.id)
        .correlate(MeetingSurvey)
        .scalar_subquery()
    )
    rows = db.session.execute(
        scope_to_viewer(
            select(MeetingSurvey, Meeting, responses.label("responses"))
            .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
            .where(Meeting.engagement_id == engagement.id)
            .order_by(Meeting.starts_at.desc()),
            MeetingSurvey,
        )
    ).all()
    return {"rows": rows, "now": utcnow()}
