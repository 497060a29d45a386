"""The firm's open feedback requests on its home and engagement pages: data, not HTML.

The host page includes ``feedback/_firm_requests.html``. One query, whatever the
number of meetings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select

from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.meetings.models import Meeting
from portal.security.scoping import scope_to_viewer
from portal.timeutil import utcnow


def open_requests(engagement_ids: list[int], user_id: int) -> dict[str, Any]:
    """Open surveys of these engagements, each with this person's answer time (or None)."""
    if not engagement_ids:
        return {"rows": []}
    stmt = (
        select(MeetingSurvey, Meeting, FeedbackResponse.updated_at.label("answered_at"))
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .outerjoin(
            FeedbackResponse,
            and_(
                FeedbackResponse.survey_id == MeetingSurvey.id,
                FeedbackResponse.user_id == user_id,
            ),
        )
        .where(Meeting.engagement_id.in_(engagement_ids), MeetingSurvey.closes_at > utcnow())
        .order_by(MeetingSurvey.closes_at)
    )
    return {"rows": db.session.execute(scope_to_viewer(stmt, MeetingSurvey)).all()}
