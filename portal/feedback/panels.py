"""Feedback requests on the firm's home page and on the engagement pages (portal.panels).

Each panel is one query, whatever the number of meetings.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import and_, func, select

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.meetings.models import Meeting
from portal.panels import panel
from portal.security.scoping import scope_to_viewer
from portal.timeutil import utcnow


def _open_requests_for_me(engagement_ids: list[int]) -> list:
    """Open surveys of these engagements, each with this user's response time (or None)."""
    if not engagement_ids:
        return []
    stmt = (
        select(MeetingSurvey, Meeting, FeedbackResponse.updated_at.label("answered_at"))
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .outerjoin(
            FeedbackResponse,
            and_(
                FeedbackResponse.survey_id == MeetingSurvey.id,
                FeedbackResponse.user_id == current_user.id,
            ),
        )
        .where(Meeting.engagement_id.in_(engagement_ids), MeetingSurvey.closes_at > utcnow())
        .order_by(MeetingSurvey.closes_at)
    )
    return db.session.execute(scope_to_viewer(stmt, MeetingSurvey)).all()


@panel("firm_home", order=40)
def firm_home_requests(*, engagements: list[Engagement]):
    if not current_user.is_firm_user:
        return ""
    rows = _open_requests_for_me([engagement.id for engagement in engagements])
    return render_template("feedback/_panel_firm.html", rows=rows, heading_level=2)


@panel("engagement", order=40)
def engagement_requests(*, engagement: Engagement):
    if current_user.is_firm_user:
        rows = _open_requests_for_me([engagement.id])
        return render_template("feedback/_panel_firm.html", rows=rows, heading_level=2)
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
    return render_template("feedback/_panel_fda.html", rows=rows, now=utcnow())
