"""The records under the dashboard, as CSV rows streamed from the database.

Each export is one query read in batches (``yield_per``): a large export never
sits in memory whole. Rows are plain columns, not ORM objects; the column
labels are the CSV header. Public ids only, never row ids (STYLE
"Confidentiality by construction"). Question bodies and FDA's written
responses are left out unless asked for: they are the most sensitive text the
portal holds, and most analyses do not need them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    Select,
    String,
    TypeDecorator,
    Uuid,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from portal.auth.models import Firm
from portal.engagements.models import Engagement, EngagementStatus
from portal.engagements.services import regulatory_flag_expression
from portal.extensions import db
from portal.feedback.models import FeedbackAnswer, FeedbackResponse, MeetingSurvey, SurveyQuestion
from portal.invitations.models import Invitation, InvitationStatus
from portal.meetings.models import Meeting
from portal.metrics.measures import engagement_active_during, overdue_action, submitted_on_time
from portal.metrics.period import Period
from portal.quality.models import QualityAction
from portal.questions.models import Question
from portal.sites import eligibility
from portal.sites.models import RegulatoryAction, Site
from portal.timeutil import utcnow

#: Rows fetched per round trip while streaming.
BATCH = 1000


def _as_is(value: Any) -> Any:
    return value


def _formatter(kind: type) -> Callable[[Any], Any]:
    if issubclass(kind, bool):
        return lambda value: "yes" if value else "no"
    if issubclass(kind, datetime | date):
        return kind.isoformat
    if issubclass(kind, Enum):
        return lambda value: value.value
    return _as_is


#: How each Python type becomes CSV text, worked out once per type rather than per cell
#: (issue 15: the largest export must fit in gunicorn's 30 s).
_FORMATTERS: dict[type, Callable[[Any], Any]] = {}


def _cell(value: Any) -> Any:
    """CSV text for a value: UTC timestamps in ISO 8601, yes/no for flags, enum values."""
    kind = type(value)
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        formatter = _FORMATTERS[kind] = _formatter(kind)
    return formatter(value)


def header(stmt: Select) -> list[str]:
    return [column.name for column in stmt.selected_columns]


def stream(stmt: Select) -> Iterator[list[Any]]:
    for row in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        yield [_cell(value) for value in row]


class _UuidText(TypeDecorator):
    """A UUID column read as its usual hyphenated text, without a uuid.UUID per value
    (building those was the largest cost of a large export). SQLite stores the 32 hex
    digits; PostgreSQL's driver returns a UUID."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if isinstance(value, str) and len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return None if value is None else str(value)


def _labelled(columns: list[tuple[str, Any]]) -> Select:
    return select(
        *(
            (type_coerce(expression, _UuidText()) if _is_uuid(expression) else expression).label(
                name
            )
            for name, expression in columns
        )
    )


def _is_uuid(expression: Any) -> bool:
    return isinstance(getattr(expression, "type", None), Uuid)


def open_actions_by_site():
    """Open regulatory actions per site as one text ("Warning Letter 2019-03-01; ...")."""
    described = (
        RegulatoryAction.action_type + literal(" ") + cast(RegulatoryAction.action_date, String)
    )
    return (
        select(
            RegulatoryAction.site_id.label("site_id"),
            func.aggregate_strings(described, "; ").label("actions"),
        )
        .where(RegulatoryAction.closed_on.is_(None))
        .group_by(RegulatoryAction.site_id)
        .subquery()
    )


def sites(_period: Period, _bodies: bool) -> Select:
    window = eligibility.inspection_window()
    override = case(
        (Site.eligibility_override.is_(True), "eligible"),
        (Site.eligibility_override.is_(False), "not eligible"),
        else_="",
    )
    return (
        _labelled(
            [
                ("site_id", Site.public_id),
                ("fei_number", Site.fei_number),
                ("legal_name", Site.legal_name),
                ("address_line1", Site.address_line1),
                ("city", Site.city),
                ("state", Site.state),
                ("postal_code", Site.postal_code),
                ("country", Site.country),
                ("firm", Firm.name),
                ("makes_shortage_vulnerable_product", eligibility.has_vulnerable_product_clause()),
                ("inspected_in_window", eligibility.inspected_in_window_clause(window)),
                ("has_open_regulatory_action", eligibility.has_open_action_clause()),
                ("eligible_by_criteria", eligibility.computed_eligibility_clause(window)),
                ("fda_override", override),
                ("override_reason", Site.override_reason),
                ("eligible", eligibility.eligibility_clause(window)),
                ("archived_at_utc", Site.archived_at),
            ]
        )
        .select_from(Site)
        .outerjoin(Firm, Site.firm_id == Firm.id)
        .order_by(Site.fei_number)
    )


def invitations(period: Period, _bodies: bool) -> Select:
    lapsed = and_(Invitation.status == InvitationStatus.SENT, Invitation.expires_at <= utcnow())
    return (
        _labelled(
            [
                ("invitation_id", Invitation.public_id),
                ("fei_number", Site.fei_number),
                ("site_legal_name", Site.legal_name),
                # A lapsed link is "expired" even before a sweep records it so.
                ("status", case((lapsed, "expired"), else_=cast(Invitation.status, String))),
                ("sent_at_utc", Invitation.sent_at),
                ("expires_at_utc", Invitation.expires_at),
                ("decided_at_utc", Invitation.decided_at),
                ("decline_reason", Invitation.decline_reason),
                ("responder_name", Invitation.responder_name),
                ("responder_title", Invitation.responder_title),
                ("responder_email", Invitation.responder_email),
                ("withdrawn_at_utc", Invitation.withdrawn_at),
                ("withdrawal_reason", Invitation.withdrawal_reason),
            ]
        )
        .select_from(Invitation)
        .join(Site, Invitation.site_id == Site.id)
        .where(period.contains(Invitation.sent_at))
        .order_by(Invitation.sent_at, Invitation.public_id)
    )


def engagements(period: Period, _bodies: bool) -> Select:
    actions = open_actions_by_site()
    # SPEC 13, with the engagement pages' one definition of the flag.
    flagged = and_(Engagement.status == EngagementStatus.ACTIVE, regulatory_flag_expression())
    return (
        _labelled(
            [
                ("engagement_id", Engagement.public_id),
                ("fei_number", Site.fei_number),
                ("site_legal_name", Site.legal_name),
                ("firm", Firm.name),
                ("status", Engagement.status),
                ("opened_at_utc", Engagement.opened_at),
                ("closed_at_utc", Engagement.closed_at),
                ("close_reason", Engagement.close_reason),
                ("timeframe_cadence", Engagement.timeframe_cadence),
                ("timeframe_expected_end", Engagement.timeframe_expected_end),
                ("regulatory_flag", case((flagged, True), else_=False)),
                ("open_regulatory_actions", func.coalesce(actions.c.actions, "")),
            ]
        )
        .select_from(Engagement)
        .join(Site, Engagement.site_id == Site.id)
        .join(Firm, Engagement.firm_id == Firm.id)
        .outerjoin(actions, actions.c.site_id == Site.id)
        .where(engagement_active_during(period))
        .order_by(Engagement.opened_at, Engagement.public_id)
    )


def meetings(period: Period, _bodies: bool) -> Select:
    return (
        _labelled(
            [
                ("meeting_id", Meeting.public_id),
                ("engagement_id", Engagement.public_id),
                ("fei_number", Site.fei_number),
                ("firm", Firm.name),
                ("starts_at_utc", Meeting.starts_at),
                ("timezone", Meeting.timezone),
                ("duration_minutes", Meeting.duration_minutes),
                ("mode", Meeting.mode),
                ("status", Meeting.status),
                ("held_at_utc", Meeting.held_at),
                ("cancelled_at_utc", Meeting.cancelled_at),
                ("cancel_reason", Meeting.cancel_reason),
                ("deadline_extended_to_utc", Meeting.deadline_extended_to),
                ("extension_reason", Meeting.extension_reason),
            ]
        )
        .select_from(Meeting)
        .join(Engagement, Meeting.engagement_id == Engagement.id)
        .join(Site, Engagement.site_id == Site.id)
        .join(Firm, Meeting.firm_id == Firm.id)
        .where(period.contains(Meeting.starts_at))
        .order_by(Meeting.starts_at, Meeting.public_id)
    )


def questions(period: Period, include_bodies: bool) -> Select:
    columns = [
        ("question_id", Question.public_id),
        ("meeting_id", Meeting.public_id),
        ("engagement_id", Engagement.public_id),
        ("fei_number", Site.fei_number),
        ("firm", Firm.name),
        ("subject", Question.subject),
        ("topic", Question.topic),
        ("status", Question.status),
        ("submitted_at_utc", Question.submitted_at),
        ("submitted_on_time", case((submitted_on_time(), True), else_=False)),
        ("withdrawn_at_utc", Question.withdrawn_at),
        ("responded_at_utc", Question.responded_at),
    ]
    if include_bodies:
        columns += [("body_html", Question.body_html), ("response_html", Question.response_html)]
    return (
        _labelled(columns)
        .select_from(Question)
        .join(Meeting, Question.meeting_id == Meeting.id)
        .join(Engagement, Question.engagement_id == Engagement.id)
        .join(Site, Engagement.site_id == Site.id)
        .join(Firm, Question.firm_id == Firm.id)
        .where(period.contains(Question.submitted_at))
        .order_by(Question.submitted_at, Question.public_id)
    )


def feedback(period: Period, _bodies: bool) -> Select:
    return (
        _labelled(
            [
                ("response_id", FeedbackResponse.public_id),
                ("meeting_id", Meeting.public_id),
                ("firm", Firm.name),
                ("survey_opened_at_utc", MeetingSurvey.opened_at),
                ("submitted_at_utc", FeedbackResponse.submitted_at),
                ("question_position", SurveyQuestion.position),
                ("question", SurveyQuestion.prompt),
                ("kind", SurveyQuestion.kind),
                ("rating", FeedbackAnswer.rating),
                ("yes_no", FeedbackAnswer.yes_no),
                ("text", FeedbackAnswer.text),
            ]
        )
        .select_from(FeedbackAnswer)
        .join(FeedbackResponse, FeedbackAnswer.response_id == FeedbackResponse.id)
        .join(SurveyQuestion, FeedbackAnswer.question_id == SurveyQuestion.id)
        .join(MeetingSurvey, FeedbackResponse.survey_id == MeetingSurvey.id)
        .join(Meeting, MeetingSurvey.meeting_id == Meeting.id)
        .join(Firm, FeedbackResponse.firm_id == Firm.id)
        .where(period.contains(MeetingSurvey.opened_at))
        .order_by(
            FeedbackResponse.submitted_at, FeedbackResponse.public_id, SurveyQuestion.position
        )
    )


def quality_actions(period: Period, _bodies: bool) -> Select:
    return (
        _labelled(
            [
                ("quality_action_id", QualityAction.public_id),
                ("engagement_id", Engagement.public_id),
                ("fei_number", Site.fei_number),
                ("firm", Firm.name),
                ("kind", QualityAction.kind),
                ("description", QualityAction.description),
                ("owner_name", QualityAction.owner_name),
                ("status", QualityAction.status),
                ("target_date", QualityAction.target_date),
                ("overdue_today", case((overdue_action(), True), else_=False)),
                ("opened_at_utc", QualityAction.created_at),
                ("completed_at_utc", QualityAction.completed_at),
                ("verified_at_utc", QualityAction.verified_at),
                ("closed_reason", QualityAction.closed_reason),
            ]
        )
        .select_from(QualityAction)
        .join(Engagement, QualityAction.engagement_id == Engagement.id)
        .join(Site, Engagement.site_id == Site.id)
        .join(Firm, QualityAction.firm_id == Firm.id)
        .where(
            or_(
                period.contains(QualityAction.created_at),
                period.contains(QualityAction.completed_at),
                period.contains(QualityAction.verified_at),
            )
        )
        .order_by(QualityAction.created_at, QualityAction.public_id)
    )


@dataclass(frozen=True)
class RecordExport:
    key: str
    title: str
    #: What the file holds and which records the period selects (the exports page).
    summary: str
    build: Callable[[Period, bool], Select]


RECORD_EXPORTS: tuple[RecordExport, ...] = (
    RecordExport(
        "sites",
        "Sites with eligibility",
        "Every site, with each eligibility criterion, FDA's override and the verdict, as of "
        "today (not limited to the period).",
        sites,
    ),
    RecordExport(
        "invitations", "Invitations", "Letters sent in the period and their outcome.", invitations
    ),
    RecordExport(
        "engagements",
        "Engagements",
        "Engagements open at any time in the period, with the regulatory flag and the open "
        "regulatory actions on the site.",
        engagements,
    ),
    RecordExport("meetings", "Meetings", "Meetings starting in the period.", meetings),
    RecordExport(
        "questions",
        "Questions",
        "Questions submitted in the period, with whether each came by the standard deadline. "
        "Bodies and FDA's responses only when you ask for them.",
        questions,
    ),
    RecordExport(
        "feedback",
        "Feedback answers",
        "One row per answer, for the surveys opened in the period.",
        feedback,
    ),
    RecordExport(
        "quality_actions",
        "Quality actions",
        "Actions opened, completed or verified in the period, with whether each is overdue today.",
        quality_actions,
    ),
)
