"""Factories: one function per record, sensible defaults, everything overridable.

Each returns a flushed (not committed) object; the caller commits when it needs
the row visible to a request. Tests of one domain may add their own factories
in ``tests/factories_<domain>.py``.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from portal.auth import totp
from portal.auth.models import Firm, Role, User, UserStatus
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyTemplate,
)
from portal.imports.models import ImportKind, ImportRun, MatchStatus, ShortageEntry, ShortageMatch
from portal.invitations.models import Invitation, InvitationStatus
from portal.meetings.models import Meeting, MeetingMode, MeetingStatus
from portal.quality.models import ActionKind, ActionStatus, QualityAction, QualityActionEvent
from portal.questions.models import Question, QuestionStatus
from portal.security.passwords import hash_password
from portal.security.tokens import hash_token, new_token
from portal.sites.models import (
    ContactLog,
    ContactOutcome,
    Inspection,
    InspectionClassification,
    Product,
    RegulatoryAction,
    Site,
    SiteContact,
)
from portal.timeutil import utcnow

#: Long enough to stand without a second factor, and on no blocklist.
PASSWORD = "quiet meadow copper kettle"
_sequence = itertools.count(1)


def _n() -> int:
    return next(_sequence)


def _save(obj: Any) -> Any:
    db.session.add(obj)
    db.session.flush()
    return obj


def firm(name: str | None = None) -> Firm:
    return _save(Firm(name=name or f"Test Pharma {_n()}"))


def user(
    role: Role = Role.FIRM_ADMIN,
    *,
    firm: Firm | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    status: UserStatus = UserStatus.ACTIVE,
    totp_secret: str | None = None,
    full_name: str | None = None,
    timezone: str = "America/New_York",
    recovery_allowed: bool | None = None,
) -> User:
    number = _n()
    if role in (Role.FIRM_ADMIN, Role.FIRM_STAFF) and firm is None:
        firm = globals()["firm"]()
    fda = role in (Role.FDA_ADMIN, Role.FDA_STAFF)
    if fda and totp_secret is None:
        totp_secret = totp.new_secret()
    # FDA people sign in with a security key (issue 14). Test people have none, so they
    # come with the program manager's TOTP recovery allowance; tests of the key rule
    # pass recovery_allowed=False.
    if recovery_allowed is None:
        recovery_allowed = fda
    return _save(
        User(
            email=email or f"person{number}@example.com",
            full_name=full_name or f"Person {number}",
            role=role,
            firm_id=firm.id if firm else None,
            status=status,
            password_hash=hash_password(password) if password else None,
            totp_secret=totp_secret,
            timezone=timezone,
            activated_at=utcnow() if status == UserStatus.ACTIVE else None,
            totp_recovery_until=utcnow() + timedelta(days=1) if recovery_allowed else None,
        )
    )


def site(**values: Any) -> Site:
    number = _n()
    values.setdefault("fei_number", str(3000000000 + number))
    values.setdefault("legal_name", f"Test Manufacturing Site {number}")
    values.setdefault("address_line1", f"{number} Industrial Way")
    values.setdefault("city", "Columbus")
    values.setdefault("state", "Ohio")
    values.setdefault("postal_code", "43004")
    values.setdefault("country", "United States")
    return _save(Site(**values))


def site_contact(site: Site, **values: Any) -> SiteContact:
    number = _n()
    values.setdefault("name", f"Contact {number}")
    values.setdefault("title", "Quality Director")
    values.setdefault("email", f"contact{number}@site.example.com")
    values.setdefault("phone", "+1 555 0100")
    return _save(SiteContact(site_id=site.id, **values))


def product(site: Site, *, shortage_vulnerable: bool = True, **values: Any) -> Product:
    values.setdefault("name", f"Product {_n()} injection")
    source = "manual" if shortage_vulnerable else ""
    return _save(
        Product(
            site_id=site.id,
            shortage_vulnerable=shortage_vulnerable,
            vulnerability_source=values.pop("vulnerability_source", source),
            **values,
        )
    )


def inspection(site: Site, *, end_date: date = date(2017, 6, 1), **values: Any) -> Inspection:
    from portal.timeutil import fiscal_year

    values.setdefault("fda_inspection_id", str(1000000 + _n()))
    values.setdefault("classification", InspectionClassification.VAI)
    values.setdefault("project_area", "Drug Quality Assurance")
    values.setdefault("product_type", "Drugs")
    return _save(
        Inspection(site_id=site.id, end_date=end_date, fiscal_year=fiscal_year(end_date), **values)
    )


def regulatory_action(site: Site, **values: Any) -> RegulatoryAction:
    values.setdefault("action_type", "Warning Letter")
    values.setdefault("action_date", date(2019, 3, 1))
    values.setdefault("case_id", str(500000 + _n()))
    return _save(RegulatoryAction(site_id=site.id, **values))


def contact_log(site: Site, caller: User, **values: Any) -> ContactLog:
    values.setdefault("called_at", utcnow() - timedelta(days=1))
    values.setdefault("person_reached", "Quality Director")
    values.setdefault("outcome", ContactOutcome.REACHED)
    return _save(ContactLog(site_id=site.id, caller_id=caller.id, **values))


def eligible_site(**values: Any) -> Site:
    """A site meeting all three criteria of SPEC 2 with the default window."""
    created = site(**values)
    product(created, shortage_vulnerable=True)
    inspection(created, end_date=date(2017, 6, 1))
    return created


def invitation(
    site: Site, sent_by: User, *, token: str | None = None, **values: Any
) -> tuple[Invitation, str]:
    """An invitation and the plain token of its link."""
    token = token or new_token()
    now = utcnow()
    values.setdefault("recipients", f"contact{_n()}@site.example.com")
    values.setdefault("addressee", "Quality Director")
    values.setdefault("status", InvitationStatus.SENT)
    values.setdefault("sent_at", now)
    values.setdefault("expires_at", now + timedelta(days=30))
    values.setdefault("letter_body", "Dear Quality Director, ...")
    created = _save(
        Invitation(site_id=site.id, token_hash=hash_token(token), sent_by_id=sent_by.id, **values)
    )
    return created, token


def engagement(
    firm: Firm, *, site: Site | None = None, sent_by: User | None = None, **values: Any
) -> Engagement:
    """An open engagement: the site, an accepted invitation, and the engagement."""
    site = site or globals()["site"](firm_id=firm.id)
    if site.firm_id is None:
        site.firm_id = firm.id
    sent_by = sent_by or user(Role.FDA_STAFF)
    accepted, _ = invitation(site, sent_by, status=InvitationStatus.ACCEPTED, decided_at=utcnow())
    values.setdefault("status", EngagementStatus.ACTIVE)
    values.setdefault("opened_at", utcnow())
    return _save(Engagement(firm_id=firm.id, site_id=site.id, invitation_id=accepted.id, **values))


def meeting(
    engagement: Engagement,
    *,
    starts_at: datetime | None = None,
    scheduled_by: User | None = None,
    **values: Any,
) -> Meeting:
    values.setdefault("timezone", "America/New_York")
    values.setdefault("duration_minutes", 60)
    values.setdefault("mode", MeetingMode.VIDEO)
    values.setdefault("join_details", "https://meet.example.gov/sep-123")
    values.setdefault("agenda", "Introductions; the firm's questions; next steps.")
    values.setdefault("status", MeetingStatus.SCHEDULED)
    scheduled_by = scheduled_by or user(Role.FDA_STAFF)
    return _save(
        Meeting(
            firm_id=engagement.firm_id,
            engagement_id=engagement.id,
            starts_at=starts_at or utcnow() + timedelta(days=30),
            scheduled_by_id=scheduled_by.id,
            **values,
        )
    )


def question(meeting: Meeting, author: User, **values: Any) -> Question:
    values.setdefault("subject", f"Question {_n()} about cleaning validation")
    values.setdefault("topic", "production_process")
    values.setdefault(
        "body_html", "<p>How should we validate the cleaning of shared equipment?</p>"
    )
    values.setdefault("status", QuestionStatus.RECEIVED)
    values.setdefault("submitted_at", utcnow())
    return _save(
        Question(
            firm_id=meeting.firm_id,
            meeting_id=meeting.id,
            engagement_id=meeting.engagement_id,
            author_id=author.id,
            **values,
        )
    )


def survey_template(*, is_default: bool = True, **values: Any) -> SurveyTemplate:
    values.setdefault("name", "After-meeting feedback")
    template = _save(SurveyTemplate(is_default=is_default, **values))
    _save(
        SurveyQuestion(
            template_id=template.id,
            position=1,
            kind=SurveyQuestionKind.RATING,
            prompt="How clear were FDA's expectations?",
            required=True,
            rating_labels='["Not clear", "Slightly clear", "Fairly clear", "Clear", "Very clear"]',
        )
    )
    _save(
        SurveyQuestion(
            template_id=template.id,
            position=2,
            kind=SurveyQuestionKind.YES_NO,
            prompt="Will your site act on what it learned?",
            required=True,
        )
    )
    _save(
        SurveyQuestion(
            template_id=template.id,
            position=3,
            kind=SurveyQuestionKind.TEXT,
            prompt="What should FDA do differently?",
            required=False,
        )
    )
    db.session.refresh(template)
    return template


def meeting_survey(meeting: Meeting, template: SurveyTemplate | None = None) -> MeetingSurvey:
    template = template or survey_template()
    opened = utcnow()
    return _save(
        MeetingSurvey(
            firm_id=meeting.firm_id,
            meeting_id=meeting.id,
            template_id=template.id,
            opened_at=opened,
            closes_at=opened + timedelta(days=30),
        )
    )


def feedback_response(survey: MeetingSurvey, respondent: User, **answers: Any) -> FeedbackResponse:
    response = _save(
        FeedbackResponse(
            firm_id=survey.firm_id,
            survey_id=survey.id,
            user_id=respondent.id,
            submitted_at=utcnow(),
        )
    )
    template = db.session.get(SurveyTemplate, survey.template_id)
    for survey_question in template.questions:
        answer = FeedbackAnswer(response_id=response.id, question_id=survey_question.id)
        if survey_question.kind == SurveyQuestionKind.RATING:
            answer.rating = answers.get("rating", 4)
        elif survey_question.kind == SurveyQuestionKind.YES_NO:
            answer.yes_no = answers.get("yes_no", True)
        else:
            answer.text = answers.get("text", "Clear and useful.")
        _save(answer)
    return response


def quality_action(engagement: Engagement, created_by: User, **values: Any) -> QualityAction:
    values.setdefault("kind", ActionKind.CORRECTIVE)
    values.setdefault("description", "Revise the cleaning validation protocol for line 3.")
    values.setdefault("owner_name", "Validation Lead")
    values.setdefault("target_date", date.today() + timedelta(days=60))
    values.setdefault("status", ActionStatus.PLANNED)
    return _save(
        QualityAction(
            firm_id=engagement.firm_id,
            engagement_id=engagement.id,
            created_by_id=created_by.id,
            **values,
        )
    )


def quality_action_event(action: QualityAction, by: User, **values: Any) -> QualityActionEvent:
    values.setdefault("kind", "comment")
    values.setdefault("note", "Protocol draft shared with FDA.")
    return _save(
        QualityActionEvent(firm_id=action.firm_id, action_id=action.id, by_id=by.id, **values)
    )


def import_run(**values: Any) -> ImportRun:
    values.setdefault("kind", ImportKind.INSPECTIONS)
    values.setdefault("filename", "inspections.csv")
    values.setdefault("finished_at", utcnow())
    return _save(ImportRun(**values))


def shortage_match(site: Site, **values: Any) -> ShortageMatch:
    values.setdefault("company_name", site.legal_name)
    values.setdefault("company_key", site.legal_name.lower())
    values.setdefault("evidence", "Same name after removing case and suffixes.")
    values.setdefault("status", MatchStatus.PROPOSED)
    return _save(ShortageMatch(site_id=site.id, **values))


def shortage_entry(**values: Any) -> ShortageEntry:
    number = _n()
    values.setdefault("entry_key", f"{number:064d}")
    values.setdefault("generic_name", f"Generic {number} Injection")
    values.setdefault("company_name", "Test Pharma Inc.")
    values.setdefault("company_key", "test pharma")
    return _save(ShortageEntry(**values))


def api_token(created_by: User, **values: Any):
    from portal.api.models import ApiToken

    token = new_token()
    values.setdefault("name", "FDA data warehouse")
    return _save(
        ApiToken(
            token_hash=hash_token(token), prefix=token[:8], created_by_id=created_by.id, **values
        )
    ), token
