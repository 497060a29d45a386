"""Read-only JSON lists for FDA information systems (SPEC 12-13: "documented in FDA systems").

Every list is paged by cursor in the order records last changed and can be
narrowed with ``updated_since``; each request costs a fixed number of queries
(the page's keys, then the page's records and what they carry) and is written
to the audit log under the token that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import ColumnElement, Select, case, select

from portal.api import errors
from portal.api.paging import encode_cursor, keyset_page, page_request
from portal.api.serialize import iso, text
from portal.audiences import Audience, audience_blueprint
from portal.audit import services as audit
from portal.auth.models import Firm
from portal.engagements.models import Engagement, EngagementStatus
from portal.engagements.services import regulatory_flag_expression
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.metrics.measures import overdue_action, submitted_on_time
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.security import access
from portal.sites import eligibility
from portal.sites.models import RegulatoryAction, Site

v1 = audience_blueprint("v1", __name__, audience=Audience.API, url_prefix="/api/v1")
errors.register(v1)

#: Loads the records of a page: row ids in, {row id: JSON object} out.
Loader = Callable[[list[int]], dict[int, dict[str, Any]]]


def record_api_read(resource: str, count: int) -> None:
    """Reading firm records through the API is a view like any other (SPEC: audit log)."""
    query = request.query_string.decode("utf-8", "replace")[:300]
    audit.note_view(
        f"api.{resource}.list",
        g.api_token,
        detail=f"{count} record(s); token {g.api_token.name}; {query}".strip("; "),
    )


def list_response(resource: str, keys: Select, load: Loader):
    """One page of ``resource``: ``keys`` selects row_id, updated_at and public_id."""
    page = page_request(resource)
    rows = db.session.execute(keyset_page(keys, page)).all()
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    records = load([row.row_id for row in rows])
    data = [{**records[row.row_id], "updated_at": iso(row.updated_at)} for row in rows]
    next_cursor = (
        encode_cursor(resource, rows[-1].updated_at, rows[-1].public_id) if has_more else None
    )
    record_api_read(resource, len(data))
    return jsonify(data=data, next_cursor=next_cursor)


def page_keys(model: type, own: ColumnElement | None = None) -> Select:
    """The keys list_response pages by: row id, when the record last changed, public id.

    It last changed at ``own``: ``updated_at`` unless given. Each key has an index on
    (moment, public_id), so a page is an index range read whatever its depth; a record
    whose API form also changes with other records keeps that moment in a ``changed_at``
    column (portal.api.site_changes) rather than computing it, which sorted every row.
    """
    own = model.updated_at if own is None else own
    return select(
        model.id.label("row_id"),
        own.label("updated_at"),
        model.public_id.label("public_id"),
    )


def include_bodies() -> bool:
    raw = request.args.get("include_bodies", "false")
    if raw not in ("true", "false"):
        raise errors.ApiError(
            400, "include_bodies must be true or false.", parameter="include_bodies"
        )
    return raw == "true"


# --- sites ------------------------------------------------------------------------------------


@v1.route("/sites")
@access.api_token
def sites():
    return list_response("sites", site_keys(), _load_sites)


def site_keys() -> Select:
    """Sites by ``changed_at``: the latest change of the site, its products, inspections and
    actions, kept by triggers (portal.api.site_changes) and indexed with public_id, so each
    page is an index range read, the same cost at any depth."""
    return page_keys(Site, own=Site.changed_at)


def _load_sites(ids: list[int]) -> dict[int, dict[str, Any]]:
    window = eligibility.inspection_window()
    rows = db.session.execute(
        select(
            Site,
            Firm.public_id,
            eligibility.has_vulnerable_product_clause(),
            eligibility.inspected_in_window_clause(window),
            eligibility.has_open_action_clause(),
            eligibility.eligibility_clause(window),
        )
        .outerjoin(Firm, Site.firm_id == Firm.id)
        .where(Site.id.in_(ids))
    ).all()
    return {
        site.id: {
            "id": str(site.public_id),
            "fei_number": site.fei_number,
            "legal_name": site.legal_name,
            "address": {
                "line1": site.address_line1,
                "city": site.city,
                "state": site.state,
                "postal_code": site.postal_code,
                "country": site.country,
            },
            "firm_id": text(firm_id),
            "eligibility": {
                "makes_shortage_vulnerable_product": bool(vulnerable),
                "inspected_in_window": bool(inspected),
                "has_open_regulatory_action": bool(open_action),
                "fda_override": site.eligibility_override,
                "eligible": bool(eligible),
            },
            "archived_at": iso(site.archived_at),
            "created_at": iso(site.created_at),
        }
        for site, firm_id, vulnerable, inspected, open_action, eligible in rows
    }


# --- engagements --------------------------------------------------------------------------------


@v1.route("/engagements")
@access.api_token
def engagements():
    # changed_at: the engagement's or its site's newest regulatory action's update, kept by
    # triggers (portal.api.site_changes) and indexed, so a deep page costs what the first does.
    return list_response(
        "engagements", page_keys(Engagement, own=Engagement.changed_at), _load_engagements
    )


def _load_engagements(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        select(
            Engagement,
            Site.public_id,
            Site.fei_number,
            Firm.public_id,
            regulatory_flag_expression().label("flagged"),
        )
        .join(Site, Engagement.site_id == Site.id)
        .join(Firm, Engagement.firm_id == Firm.id)
        .where(Engagement.id.in_(ids))
    ).all()
    open_actions: dict[int, list[dict[str, Any]]] = {}
    for action in db.session.scalars(
        select(RegulatoryAction)
        .where(
            RegulatoryAction.site_id.in_([row[0].site_id for row in rows]),
            RegulatoryAction.closed_on.is_(None),
        )
        .order_by(RegulatoryAction.action_date)
    ):
        open_actions.setdefault(action.site_id, []).append(
            {
                "id": str(action.public_id),
                "action_type": action.action_type,
                "action_date": iso(action.action_date),
            }
        )
    return {
        engagement.id: {
            "id": str(engagement.public_id),
            "site_id": str(site_id),
            "fei_number": fei_number,
            "firm_id": str(firm_id),
            "status": text(engagement.status),
            "opened_at": iso(engagement.opened_at),
            "closed_at": iso(engagement.closed_at),
            "timeframe": {
                "cadence": engagement.timeframe_cadence,
                "expected_end": iso(engagement.timeframe_expected_end),
            },
            # SPEC 13, with the engagement pages' one definition of the flag.
            "regulatory_flag": engagement.status == EngagementStatus.ACTIVE and bool(flagged),
            "open_regulatory_actions": open_actions.get(engagement.site_id, []),
        }
        for engagement, site_id, fei_number, firm_id, flagged in rows
    }


# --- meetings and questions -------------------------------------------------------------------


@v1.route("/meetings")
@access.api_token
def meetings():
    return list_response("meetings", page_keys(Meeting), _load_meetings)


def _load_meetings(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        select(Meeting, Engagement.public_id)
        .join(Engagement, Meeting.engagement_id == Engagement.id)
        .where(Meeting.id.in_(ids))
    ).all()
    return {
        meeting.id: {
            "id": str(meeting.public_id),
            "engagement_id": str(engagement_id),
            "starts_at": iso(meeting.starts_at),
            "timezone": meeting.timezone,
            "duration_minutes": meeting.duration_minutes,
            "mode": text(meeting.mode),
            "status": text(meeting.status),
            "held_at": iso(meeting.held_at),
            "cancelled_at": iso(meeting.cancelled_at),
            "question_deadline_extended_to": iso(meeting.deadline_extended_to),
            "created_at": iso(meeting.created_at),
        }
        for meeting, engagement_id in rows
    }


@v1.route("/questions")
@access.api_token
def questions():
    with_bodies = include_bodies()

    def load(ids: list[int]) -> dict[int, dict[str, Any]]:
        rows = db.session.execute(
            select(
                Question,
                Meeting.public_id,
                Engagement.public_id,
                case((submitted_on_time(), True), else_=False),
            )
            .join(Meeting, Question.meeting_id == Meeting.id)
            .join(Engagement, Question.engagement_id == Engagement.id)
            .where(Question.id.in_(ids))
        ).all()
        loaded = {}
        for question, meeting_id, engagement_id, on_time in rows:
            item = {
                "id": str(question.public_id),
                "meeting_id": str(meeting_id),
                "engagement_id": str(engagement_id),
                "subject": question.subject,
                "topic": question.topic,
                "status": text(question.status),
                "submitted_at": iso(question.submitted_at),
                "submitted_on_time": bool(on_time),
                "withdrawn_at": iso(question.withdrawn_at),
                "responded_at": iso(question.responded_at),
            }
            if with_bodies:
                item["body_html"] = question.body_html
                item["response_html"] = question.response_html
            loaded[question.id] = item
        return loaded

    return list_response("questions", page_keys(Question), load)


# --- quality actions ----------------------------------------------------------------------------


@v1.route("/quality-actions")
@access.api_token
def quality_actions():
    return list_response("quality-actions", page_keys(QualityAction), _load_quality_actions)


def _load_quality_actions(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        select(
            QualityAction,
            Engagement.public_id,
            Meeting.public_id,
            Question.public_id,
            case((overdue_action(), True), else_=False),
        )
        .join(Engagement, QualityAction.engagement_id == Engagement.id)
        .outerjoin(Meeting, QualityAction.meeting_id == Meeting.id)
        .outerjoin(Question, QualityAction.question_id == Question.id)
        .where(QualityAction.id.in_(ids))
    ).all()
    return {
        action.id: {
            "id": str(action.public_id),
            "engagement_id": str(engagement_id),
            "meeting_id": text(meeting_id),
            "question_id": text(question_id),
            "kind": text(action.kind),
            "description": action.description,
            "owner_name": action.owner_name,
            "status": text(action.status),
            "target_date": iso(action.target_date),
            "overdue": bool(overdue),
            "created_at": iso(action.created_at),
            "completed_at": iso(action.completed_at),
            "verified_at": iso(action.verified_at),
        }
        for action, engagement_id, meeting_id, question_id, overdue in rows
    }
