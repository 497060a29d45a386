"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Behind a token like the rest of the API: SPEC lets anonymous visitors see only
the sign-in and link pages, and the systems that read the document hold a token
anyway. The enumerations come from the models, so the document cannot drift
from what the API sends; tests validate real responses against it.
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any

from flask import jsonify

from portal.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from portal.api.resources import v1
from portal.engagements.models import EngagementStatus
from portal.meetings.models import MeetingMode, MeetingStatus
from portal.metrics.measures import EngagementLevel, Participation, QualityImprovement
from portal.metrics.period import FIRST_FISCAL_YEAR, current_fiscal_year
from portal.quality.models import ActionKind, ActionStatus
from portal.questions.models import QuestionStatus
from portal.security import access

TEXT = {"type": "string"}
UUID = {"type": "string", "format": "uuid"}
MOMENT = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}
COUNT = {"type": "integer", "minimum": 0}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def enum_of(members: type[Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in members]}


def obj(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A closed object: every listed property is sent (except ``optional``), nothing else."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


PERCENT = nullable({"type": "number", "minimum": 0})
NUMBER = nullable({"type": "number", "minimum": 0})


def figures_of(measure: type) -> dict[str, Any]:
    """A measure's figures as the API sends them (``asdict``): counts, and medians or null."""
    return {f.name: COUNT if f.type == "int" else NUMBER for f in fields(measure)}


SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {
            "error": {
                "type": "string",
                "enum": [
                    "invalid_request",
                    "unauthorized",
                    "forbidden",
                    "not_found",
                    "method_not_allowed",
                    "server_error",
                ],
            },
            "message": TEXT,
            "parameter": TEXT,
        },
        optional=("parameter",),
    ),
    "Site": obj(
        {
            "id": UUID,
            "fei_number": TEXT,
            "legal_name": TEXT,
            "address": obj(
                {"line1": TEXT, "city": TEXT, "state": TEXT, "postal_code": TEXT, "country": TEXT}
            ),
            "firm_id": nullable(UUID),
            "eligibility": obj(
                {
                    "makes_shortage_vulnerable_product": {"type": "boolean"},
                    "inspected_in_window": {"type": "boolean"},
                    "has_open_regulatory_action": {"type": "boolean"},
                    "fda_override": {"type": ["boolean", "null"]},
                    "eligible": {"type": "boolean"},
                }
            ),
            "archived_at": nullable(MOMENT),
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
    ),
    "RegulatoryAction": obj({"id": UUID, "action_type": TEXT, "action_date": DAY}),
    "Engagement": obj(
        {
            "id": UUID,
            "site_id": UUID,
            "fei_number": TEXT,
            "firm_id": UUID,
            "status": enum_of(EngagementStatus),
            "opened_at": MOMENT,
            "closed_at": nullable(MOMENT),
            "timeframe": obj({"cadence": TEXT, "expected_end": nullable(DAY)}),
            "regulatory_flag": {
                "type": "boolean",
                "description": "Active engagement whose site has an open regulatory action "
                "(SPEC 13). Nothing is deleted; FDA staff decide what follows.",
            },
            "open_regulatory_actions": {"type": "array", "items": ref("RegulatoryAction")},
            "updated_at": MOMENT,
        }
    ),
    "Meeting": obj(
        {
            "id": UUID,
            "engagement_id": UUID,
            "starts_at": MOMENT,
            "timezone": TEXT,
            "duration_minutes": COUNT,
            "mode": enum_of(MeetingMode),
            "status": enum_of(MeetingStatus),
            "held_at": nullable(MOMENT),
            "cancelled_at": nullable(MOMENT),
            "question_deadline_extended_to": nullable(MOMENT),
            "created_at": MOMENT,
            "updated_at": MOMENT,
        }
    ),
    "Question": obj(
        {
            "id": UUID,
            "meeting_id": UUID,
            "engagement_id": UUID,
            "subject": TEXT,
            "topic": TEXT,
            "status": enum_of(QuestionStatus),
            "submitted_at": MOMENT,
            "submitted_on_time": {
                "type": "boolean",
                "description": "Submitted by the meeting's standard question deadline.",
            },
            "withdrawn_at": nullable(MOMENT),
            "responded_at": nullable(MOMENT),
            "body_html": {**TEXT, "description": "Only with include_bodies=true."},
            "response_html": {**TEXT, "description": "Only with include_bodies=true."},
            "updated_at": MOMENT,
        },
        optional=("body_html", "response_html"),
    ),
    "Rating": obj(
        {
            "question": TEXT,
            "answers": COUNT,
            "mean": NUMBER,
            "distribution": {
                "type": "array",
                "items": COUNT,
                "minItems": 5,
                "maxItems": 5,
                "description": "Number of answers 1, 2, 3, 4 and 5.",
            },
        }
    ),
    "FeedbackSummary": obj(
        {
            "id": UUID,
            "meeting_id": UUID,
            "engagement_id": UUID,
            "opened_at": MOMENT,
            "closes_at": MOMENT,
            "people_asked": COUNT,
            "responses": COUNT,
            "response_rate": PERCENT,
            "ratings": {"type": "array", "items": ref("Rating")},
            "updated_at": MOMENT,
        }
    ),
    "QualityAction": obj(
        {
            "id": UUID,
            "engagement_id": UUID,
            "meeting_id": nullable(UUID),
            "question_id": nullable(UUID),
            "kind": enum_of(ActionKind),
            "description": TEXT,
            "owner_name": TEXT,
            "status": enum_of(ActionStatus),
            "target_date": nullable(DAY),
            "overdue": {"type": "boolean"},
            "created_at": MOMENT,
            "completed_at": nullable(MOMENT),
            "verified_at": nullable(MOMENT),
            "updated_at": MOMENT,
        }
    ),
    "Metrics": obj(
        {
            "period": obj(
                {
                    "first_day": DAY,
                    "last_day": DAY,
                    "fiscal_year": {"type": ["integer", "null"]},
                    "timezone": TEXT,
                }
            ),
            "participation": obj(
                {
                    **figures_of(Participation),
                    "rates": obj(
                        {
                            name: PERCENT
                            for name in (
                                "contacted_of_eligible",
                                "invited_of_contacted",
                                "accepted_of_invited",
                                "declined_of_invited",
                                "no_response_of_invited",
                                "expired_of_invited",
                                "withdrawn_of_invited",
                            )
                        }
                    ),
                }
            ),
            "engagement": obj(
                {
                    **figures_of(EngagementLevel),
                    "meetings_per_engagement": NUMBER,
                    "questions_per_meeting": NUMBER,
                    "on_time_share": PERCENT,
                }
            ),
            "feedback": obj(
                {
                    "surveys": COUNT,
                    "people_asked": COUNT,
                    "responses": COUNT,
                    "response_rate": PERCENT,
                    "ratings": {"type": "array", "items": ref("Rating")},
                }
            ),
            "quality": obj(figures_of(QualityImprovement)),
        }
    ),
}

PAGED = {
    "sites": ("Site", "Sites with each eligibility criterion and the verdict."),
    "engagements": ("Engagement", "Engagements with the regulatory flag (SPEC 13)."),
    "meetings": ("Meeting", "Meetings of every engagement."),
    "questions": ("Question", "Questions firms submitted; bodies only when asked for."),
    "feedback-summaries": ("FeedbackSummary", "Response rate and ratings per meeting survey."),
    "quality-actions": ("QualityAction", "Corrective and preventive actions."),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


ERRORS = {
    "400": _error("A parameter is wrong; the message names it and says how to fix it."),
    "401": _error("No token, or a token that is unknown or revoked."),
}


def query_parameter(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "schema": schema}
    return {**parameter, "description": description} if description else parameter


PAGING_PARAMETERS = [
    query_parameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        f"Records per page (default {DEFAULT_LIMIT}).",
    ),
    query_parameter(
        "cursor",
        {"type": "string", "minLength": 1},
        "The next_cursor of the previous page, unchanged. Pages follow the order records "
        "last changed (updated_at, then id) from the position the cursor names, so each page "
        "costs the same at any depth, a walk sees every record that does not change during "
        "it exactly once, and a record that changes moves to the end. A cursor this list did "
        "not give out is refused with 400 (parameter: cursor).",
    ),
    query_parameter(
        "updated_since",
        MOMENT,
        "Only records changed at or after this moment (ISO 8601 with offset).",
    ),
]


def _list_operation(path: str, schema: str, summary: str) -> dict[str, Any]:
    parameters = list(PAGING_PARAMETERS)
    if path == "questions":
        parameters.append(
            query_parameter(
                "include_bodies",
                {"type": "boolean"},
                "Add body_html and response_html (default false).",
            )
        )
    page = obj({"data": {"type": "array", "items": ref(schema)}, "next_cursor": nullable(TEXT)})
    return {
        "get": {
            "operationId": f"list_{path.replace('-', '_')}",
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "One page, oldest change first. next_cursor is null on the "
                    "last page.",
                    "content": {"application/json": {"schema": page}},
                },
                **ERRORS,
            },
        }
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        f"/api/v1/{path}": _list_operation(path, schema, summary)
        for path, (schema, summary) in PAGED.items()
    }
    paths["/api/v1/metrics"] = {
        "get": {
            "operationId": "get_metrics",
            "summary": "The success measures of SPEC 12 for a fiscal year or a date range.",
            "parameters": [
                query_parameter(
                    "fiscal_year",
                    {
                        "type": "integer",
                        "minimum": FIRST_FISCAL_YEAR,
                        "maximum": current_fiscal_year(),
                    },
                    "Federal fiscal year (default: the current one).",
                ),
                query_parameter(
                    "date_from", DAY, "With date_to: a date range instead of a fiscal year."
                ),
                query_parameter("date_to", DAY),
            ],
            "responses": {
                "200": {
                    "description": "The figures; rates in percent, null when undefined.",
                    "content": {"application/json": {"schema": ref("Metrics")}},
                },
                **ERRORS,
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SEP Portal API",
            "version": "1.0.0",
            "description": "Read-only records and success measures of FDA's Site Engagement "
            "Program, for FDA information systems. Confidential commercial information.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@v1.route("/openapi.json")
@access.api_token
def openapi_document():
    return jsonify(document())
