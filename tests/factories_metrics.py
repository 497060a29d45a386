"""A fixed program history for checking every dashboard figure by hand.

Two fiscal years, FY2024 (1 Oct 2023 - 30 Sep 2024) and FY2025, with records on
both sides of the boundary: 30 Sep 2024 22:00 Eastern is 1 Oct 02:00 UTC and
belongs to FY2024; 1 Oct 2024 01:00 Eastern (05:00 UTC) belongs to FY2025.
``EXPECTED`` holds the figures worked out by hand from the records below (the
comments beside each record say where it counts). The clock is frozen at
``NOW`` for "today" figures (expired links, overdue actions).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from portal.auth.models import Role, UserStatus
from portal.engagements.models import Engagement, EngagementStatus
from portal.feedback.models import MeetingSurvey
from portal.invitations.models import InvitationStatus
from portal.meetings.models import MeetingStatus
from portal.quality.models import ActionStatus
from portal.sites.models import ContactOutcome
from tests import factories

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


#: Worked out by hand; see the records in build().
EXPECTED = {
    2024: {
        "participation": dict(
            eligible=6,
            contacted=3,
            invited=2,
            accepted=1,
            declined=0,
            no_response=0,
            expired=1,
            withdrawn=0,
            reached=3,
        ),
        "engagement": dict(
            active_engagements=2,
            meetings_held=3,
            questions_at_held_meetings=4,
            questions_submitted=4,
            questions_on_time=3,
            questions_answered=2,
            median_days_to_answer=6.5,
        ),
        # Feedback counts in the year of the meeting it is about (issue 11: one definition
        # for the dashboard and the results page): SV2's meeting M2 began 30 Sep 23:30 ET.
        "feedback": dict(surveys=3, people_asked=6, responses=3),
        "ratings": [("How clear were FDA's expectations?", 3, 4.0, (0, 0, 1, 1, 1))],
        "quality": dict(
            opened=3,
            completed=2,
            verified=1,
            overdue=2,
            median_days_to_complete=45.5,
            median_days_to_verify=61.0,
        ),
    },
    2025: {
        "participation": dict(
            eligible=6,
            contacted=4,
            invited=5,
            accepted=1,
            declined=1,
            no_response=1,
            expired=1,
            withdrawn=1,
            reached=3,
        ),
        "engagement": dict(
            active_engagements=2,
            meetings_held=2,
            questions_at_held_meetings=3,
            questions_submitted=3,
            questions_on_time=2,
            questions_answered=3,
            median_days_to_answer=10.0,
        ),
        "feedback": dict(surveys=2, people_asked=3, responses=3),
        "ratings": [("How clear were FDA's expectations?", 3, 11 / 3, (0, 1, 0, 1, 1))],
        "quality": dict(
            opened=3,
            completed=1,
            verified=1,
            overdue=2,
            median_days_to_complete=10.0,
            median_days_to_verify=20.0,
        ),
    },
}


def engagement_for(invitation, firm, *, opened_at: datetime, **values) -> Engagement:
    """An engagement from an accepted invitation (the shared factory would add a letter)."""
    site = invitation.site
    site.firm_id = firm.id
    values.setdefault("status", EngagementStatus.ACTIVE)
    return factories._save(
        Engagement(
            firm_id=firm.id,
            site_id=site.id,
            invitation_id=invitation.id,
            opened_at=opened_at,
            **values,
        )
    )


def survey_for(meeting, template, *, opened_at: datetime) -> MeetingSurvey:
    return factories._save(
        MeetingSurvey(
            firm_id=meeting.firm_id,
            meeting_id=meeting.id,
            template_id=template.id,
            opened_at=opened_at,
            closes_at=opened_at + timedelta(days=30),
        )
    )


def build() -> SimpleNamespace:
    w = SimpleNamespace()
    fda = factories.user(Role.FDA_STAFF)
    w.fda = fda

    # --- sites: eligible today are E1..E5 and X2 (override) = 6 -----------------------------
    e1, e2, e3, e4, e5 = (factories.eligible_site() for _ in range(5))
    x1 = factories.eligible_site()
    factories.regulatory_action(x1)  # open action: not eligible
    x2 = factories.site(eligibility_override=True, override_reason="Confirmed by the district")
    x3 = factories.eligible_site(archived_at=at(2024, 6, 1))  # archived: not eligible
    w.sites = SimpleNamespace(e1=e1, e2=e2, e3=e3, e4=e4, e5=e5, x1=x1, x2=x2, x3=x3)

    # --- phone calls ------------------------------------------------------------------------
    factories.contact_log(e1, fda, called_at=at(2024, 7, 20, 15))  # FY2024
    factories.contact_log(x1, fda, called_at=at(2024, 10, 1, 2))  # 30 Sep 22:00 ET: FY2024
    factories.contact_log(e2, fda, called_at=at(2024, 10, 1, 5))  # 1 Oct 01:00 ET: FY2025
    factories.contact_log(e3, fda, called_at=at(2024, 11, 1, 15))  # FY2025
    factories.contact_log(e3, fda, called_at=at(2024, 12, 1, 15))  # FY2025, same site
    factories.contact_log(e4, fda, called_at=at(2023, 12, 1, 15))  # FY2024
    factories.contact_log(x2, fda, called_at=at(2025, 1, 20, 15))  # FY2025
    factories.contact_log(  # FY2025: called, never reached (issue 16)
        e5, fda, called_at=at(2025, 2, 20, 15), outcome=ContactOutcome.NO_ANSWER, person_reached=""
    )

    # --- letters ----------------------------------------------------------------------------
    def letter(site, sent_at, status, expires_at=None):
        invitation, _ = factories.invitation(
            site,
            fda,
            sent_at=sent_at,
            expires_at=expires_at or sent_at + timedelta(days=30),
            status=status,
        )
        return invitation

    accepted_e1 = letter(e1, at(2024, 8, 1, 15), InvitationStatus.ACCEPTED)  # FY2024
    letter(e4, at(2024, 3, 1, 15), InvitationStatus.DECLINED)  # FY2024, then re-invited:
    letter(e4, at(2024, 6, 1, 15), InvitationStatus.EXPIRED)  # E4's latest in FY2024
    letter(e2, at(2024, 10, 1, 6), InvitationStatus.REPLACED)  # FY2025, re-sent:
    letter(e2, at(2024, 10, 5, 15), InvitationStatus.SENT, at(2025, 12, 1))  # still open
    letter(e3, at(2024, 12, 5, 15), InvitationStatus.SENT, at(2025, 1, 4))  # lapsed: expired
    letter(x1, at(2025, 1, 15, 15), InvitationStatus.WITHDRAWN)
    letter(x2, at(2025, 2, 1, 15), InvitationStatus.DECLINED)
    accepted_e5 = letter(e5, at(2025, 3, 1, 15), InvitationStatus.ACCEPTED)
    accepted_x3 = letter(x3, at(2023, 1, 1, 15), InvitationStatus.ACCEPTED)  # FY2023

    # --- firms, people, engagements -----------------------------------------------------------
    f1, f2, f3 = factories.firm(), factories.firm(), factories.firm()
    a1 = factories.user(Role.FIRM_ADMIN, firm=f1)
    s1 = factories.user(Role.FIRM_STAFF, firm=f1)
    d1 = factories.user(Role.FIRM_STAFF, firm=f1, status=UserStatus.DEACTIVATED)
    a2 = factories.user(Role.FIRM_ADMIN, firm=f2)
    factories.user(Role.FIRM_STAFF, firm=f2, status=UserStatus.INVITED)  # never asked
    a3 = factories.user(Role.FIRM_ADMIN, firm=f3)
    g1 = engagement_for(accepted_e1, f1, opened_at=at(2024, 8, 15))  # active in both years
    g2 = engagement_for(accepted_e5, f2, opened_at=at(2025, 3, 10))  # FY2025 only
    g3 = engagement_for(  # closed in FY2024: active in FY2024 only
        accepted_x3,
        f3,
        opened_at=at(2023, 1, 15),
        status=EngagementStatus.CLOSED,
        closed_at=at(2024, 5, 1),
    )
    w.engagements = (g1, g2, g3)
    w.firm_users = (a1, s1, d1, a2, a3)

    # --- meetings ---------------------------------------------------------------------------
    def meeting(engagement, starts_at, status=MeetingStatus.HELD):
        return factories.meeting(engagement, starts_at=starts_at, status=status, scheduled_by=fda)

    m1 = meeting(g1, at(2024, 9, 20, 14))  # FY2024
    m2 = meeting(g1, at(2024, 10, 1, 3, 30))  # 30 Sep 23:30 ET: FY2024
    m3 = meeting(g1, at(2024, 11, 12, 15))  # FY2025; DST ended 3 Nov: deadline 337 h before
    meeting(g1, at(2025, 7, 1, 14), MeetingStatus.SCHEDULED)  # not held
    meeting(g1, at(2025, 2, 1, 15), MeetingStatus.CANCELLED)  # not held
    m6 = meeting(g2, at(2025, 3, 20, 14))  # FY2025; DST began 9 Mar: deadline 335 h before
    m7 = meeting(g3, at(2024, 2, 1, 15))  # FY2024
    w.meetings = (m1, m2, m3, m6, m7)

    # --- questions ----------------------------------------------------------------------------
    def question(meeting, author, submitted_at, responded_at=None, **values):
        return factories.question(
            meeting, author, submitted_at=submitted_at, responded_at=responded_at, **values
        )

    # M1 deadline 6 Sep 14:00 UTC.
    question(m1, a1, at(2024, 9, 1, 12), at(2024, 9, 4, 12))  # on time; 3.0 days
    question(m1, a1, at(2024, 9, 10, 12))  # late (an extension)
    # M2 deadline 17 Sep 03:30 UTC.
    question(m2, s1, at(2024, 9, 15, 12), at(2024, 10, 1, 6))  # on time; 15.75 days, FY2025
    question(m2, s1, at(2024, 9, 16, 12), withdrawn_at=at(2024, 9, 16, 13))  # withdrawn
    # M3 deadline 29 Oct 10:00 EDT = 14:00 UTC (336 hours would say 15:00).
    question(m3, a1, at(2024, 10, 29, 14, 30), at(2024, 11, 1, 14, 30))  # late; 3.0 days
    question(m3, s1, at(2024, 10, 29, 13, 59, 59), at(2024, 11, 8, 13, 59, 59))  # on time; 10.0
    # M6 deadline 6 Mar 10:00 EST = 15:00 UTC (336 hours would say 14:00).
    question(m6, a2, at(2025, 3, 6, 14, 30))  # on time
    # M7 deadline 18 Jan 15:00 UTC.
    question(m7, a3, at(2024, 1, 10, 12), at(2024, 1, 20, 12))  # on time; 10.0 days

    # --- feedback ------------------------------------------------------------------------------
    template = factories.survey_template()
    # A second version of the same template: the same rating question is one row.
    version_2 = factories.survey_template(is_default=False, lineage=template.lineage, version=2)
    sv1 = survey_for(m1, template, opened_at=at(2024, 9, 20, 15))  # FY2024; asked a1 s1 (+d1)
    sv2 = survey_for(m2, template, opened_at=at(2024, 10, 1, 5))  # opened FY2025, meeting FY2024
    survey_for(m7, template, opened_at=at(2024, 2, 1, 16))  # FY2024; asked a3; nobody answers
    sv4 = survey_for(m6, template, opened_at=at(2025, 3, 20, 15))  # FY2025; asked a2
    sv5 = survey_for(m3, version_2, opened_at=at(2024, 11, 12, 16))  # FY2025; asked a1 s1
    factories.feedback_response(sv1, a1, rating=5)
    factories.feedback_response(sv1, d1, rating=3)  # has left the firm since; still asked
    factories.feedback_response(sv2, s1, rating=4)
    factories.feedback_response(sv4, a2, rating=2)
    factories.feedback_response(sv5, a1, rating=5)
    factories.feedback_response(sv5, s1, rating=4)

    # --- quality actions -----------------------------------------------------------------------
    def action(engagement, created_at, status, **values):
        return factories.quality_action(
            engagement, a1, created_at=created_at, status=status, **values
        )

    action(  # FY2024: opened, completed (61.0 days), verified 30 Sep 22:00 ET (61.0 days)
        g1,
        at(2024, 6, 1, 2),
        ActionStatus.VERIFIED,
        completed_at=at(2024, 8, 1, 2),
        verified_at=at(2024, 10, 1, 2),
    )
    action(  # FY2025: opened 1 Oct 01:00 ET, completed 10.0 days later, verified 20.0 after
        g1,
        at(2024, 10, 1, 5),
        ActionStatus.VERIFIED,
        completed_at=at(2024, 10, 11, 5),
        verified_at=at(2024, 10, 31, 5),
    )
    action(g2, at(2025, 3, 21), ActionStatus.IN_PROGRESS, target_date=date(2025, 5, 1))  # overdue
    action(g2, at(2025, 3, 21), ActionStatus.PLANNED, target_date=date(2025, 9, 1))
    action(g3, at(2024, 1, 10), ActionStatus.COMPLETED, completed_at=at(2024, 2, 9))  # 30.0 days
    action(g1, at(2023, 12, 1), ActionStatus.PLANNED, target_date=date(2024, 1, 1))  # overdue
    return w


def question_values(meeting, author_id: int, submitted_at: datetime, **values) -> dict:
    """The columns of a received question for a bulk insert (the summary-row tests write
    questions past the ORM, as imports and other sessions do)."""
    from portal.questions.models import QuestionStatus

    return dict(
        firm_id=meeting.firm_id,
        meeting_id=meeting.id,
        engagement_id=meeting.engagement_id,
        author_id=author_id,
        subject="Cleaning validation",
        topic="production_process",
        body_html="<p>Question.</p>",
        status=QuestionStatus.RECEIVED,
        submitted_at=submitted_at,
        **values,
    )


def add_volume(count: int, when: datetime) -> None:
    """``count`` more of every kind of record, all inside the fiscal year of ``when``."""
    fda = factories.user(Role.FDA_STAFF)
    template = factories.survey_template(is_default=False)
    for _ in range(count):
        site = factories.eligible_site()
        factories.contact_log(site, fda, called_at=when)
        invitation, _ = factories.invitation(
            site, fda, sent_at=when, status=InvitationStatus.ACCEPTED
        )
        firm = factories.firm()
        person = factories.user(Role.FIRM_ADMIN, firm=firm)
        engagement = engagement_for(invitation, firm, opened_at=when)
        held = factories.meeting(
            engagement, starts_at=when, status=MeetingStatus.HELD, scheduled_by=fda
        )
        factories.question(held, person, submitted_at=when - timedelta(days=20), responded_at=when)
        survey = survey_for(held, template, opened_at=when)
        factories.feedback_response(survey, person, rating=3)
        factories.quality_action(
            engagement,
            person,
            created_at=when,
            status=ActionStatus.VERIFIED,
            completed_at=when,
            verified_at=when,
        )
