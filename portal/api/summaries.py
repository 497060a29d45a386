"""Aggregates for FDA systems: feedback per meeting survey, and the success measures."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify, request
from sqlalchemy import func, select

from portal.api.errors import ApiError
from portal.api.resources import list_response, page_keys, record_api_read, v1
from portal.api.serialize import iso
from portal.auth.models import User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.feedback.models import FeedbackResponse, MeetingSurvey
from portal.meetings.models import Meeting
from portal.metrics import figures
from portal.metrics.cache import measures_for
from portal.metrics.forms import PeriodForm
from portal.metrics.measures import (
    Measures,
    RatingSummary,
    asked_for_feedback,
    rating_summaries,
)
from portal.metrics.period import PROGRAM_TIMEZONE, Period, current_fiscal_year
from portal.security import access


def rating_json(summary: RatingSummary) -> dict[str, Any]:
    return {
        "question": summary.prompt,
        "answers": summary.answers,
        "mean": figures.mean(summary.mean).value,
        "distribution": list(summary.distribution),
    }


@v1.route("/feedback-summaries")
@access.api_token
def feedback_summaries():
    """One summary per meeting survey; it changes when a response is given or edited."""
    # changed_at: the later of opened_at and the newest response, kept by triggers
    # (portal.api.site_changes) and indexed, so a deep page costs what the first does.
    keys = page_keys(MeetingSurvey, own=MeetingSurvey.changed_at)
    return list_response("feedback-summaries", keys, _load_summaries)


def _load_summaries(ids: list[int]) -> dict[int, dict[str, Any]]:
    asked = (
        select(func.count(User.id))
        .where(asked_for_feedback(MeetingSurvey.id, MeetingSurvey.firm_id))
        .scalar_subquery()
    )
    responses = (
        select(func.count(FeedbackResponse.id))
        .where(FeedbackResponse.survey_id == MeetingSurvey.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(MeetingSurvey, Meeting.public_id, Engagement.public_id, asked, responses)
        .join(Meeting, MeetingSurvey.meeting_id == Meeting.id)
        .join(Engagement, Meeting.engagement_id == Engagement.id)
        .where(MeetingSurvey.id.in_(ids))
    ).all()
    ratings: dict[int, list[dict[str, Any]]] = {}
    for survey_id, summary in rating_summaries(MeetingSurvey.id.in_(ids), by_survey=True):
        ratings.setdefault(survey_id, []).append(rating_json(summary))
    return {
        survey.id: {
            "id": str(survey.public_id),
            "meeting_id": str(meeting_id),
            "engagement_id": str(engagement_id),
            "opened_at": iso(survey.opened_at),
            "closes_at": iso(survey.closes_at),
            "people_asked": people_asked,
            "responses": response_count,
            "response_rate": figures.rate(response_count, people_asked).value,
            "ratings": ratings.get(survey.id, []),
        }
        for survey, meeting_id, engagement_id, people_asked, response_count in rows
    }


def _period() -> Period:
    if not request.args:
        return Period.for_fiscal_year(current_fiscal_year())
    form = PeriodForm(request.args)
    if form.validate():
        return form.period()
    name, messages = next((f.name, f.errors) for f in form if f.errors)
    raise ApiError(400, f"{name}: {' '.join(messages)}", parameter=name)


def measures_json(m: Measures) -> dict[str, Any]:
    """The dashboard's figures; rates are percentages (one decimal), null when undefined."""
    p, e, fb, q = m.participation, m.engagement, m.feedback, m.quality
    return {
        "period": {
            "first_day": iso(m.period.first_day),
            "last_day": iso(m.period.last_day),
            "fiscal_year": m.period.fiscal_year,
            "timezone": PROGRAM_TIMEZONE,
        },
        "participation": {
            **asdict(p),
            "rates": {
                "contacted_of_eligible": figures.rate(p.contacted, p.eligible).value,
                "invited_of_contacted": figures.rate(p.invited, p.contacted).value,
                **{
                    f"{outcome}_of_invited": figures.rate(getattr(p, outcome), p.invited).value
                    for outcome in ("accepted", "declined", "no_response", "expired", "withdrawn")
                },
            },
        },
        "engagement": {
            **asdict(e),
            "meetings_per_engagement": figures.ratio(e.meetings_held, e.active_engagements).value,
            "questions_per_meeting": figures.ratio(
                e.questions_at_held_meetings, e.meetings_held
            ).value,
            "on_time_share": figures.rate(e.questions_on_time, e.questions_submitted).value,
            "median_days_to_answer": figures.days(e.median_days_to_answer).value,
        },
        "feedback": {
            "surveys": fb.surveys,
            "people_asked": fb.people_asked,
            "responses": fb.responses,
            "response_rate": figures.rate(fb.responses, fb.people_asked).value,
            "ratings": [rating_json(r) for r in fb.ratings],
        },
        "quality": {
            **asdict(q),
            "median_days_to_complete": figures.days(q.median_days_to_complete).value,
            "median_days_to_verify": figures.days(q.median_days_to_verify).value,
        },
    }


@v1.route("/metrics")
@access.api_token
def metrics():
    """The success measures for a fiscal year (default: the current one) or a date range."""
    body = measures_json(measures_for(_period()))
    record_api_read("metrics", 1)
    return jsonify(body)
