"""Demo questions for `flask seed-demo`: the first demo firm's questions for its upcoming
meeting (one answered in writing, one set down for discussion, one new) and for its
meeting already held. Runs after portal/meetings/demo.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import Firm, Role, User
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.schedule import accepts_questions
from portal.questions import services
from portal.questions.models import Question, QuestionStatus
from portal.sanitize import clean_html
from portal.timeutil import utcnow

STAFF = "staff@fda.example.gov"

UPCOMING = (
    (
        "Cleaning validation for shared equipment",
        "production_process",
        "We make two products on the same filling line. Our cleaning validation uses a "
        "<strong>worst-case</strong> approach.\n\nIs a visual inspection acceptable as the "
        "routine check between campaigns, with swabs only for validation runs?",
        QuestionStatus.ANSWERED_IN_WRITING,
        "A visual check alone is rarely enough for routine release between campaigns of "
        "different products. See FDA's guidance on cleaning validation and be ready to "
        "show the data behind your limits.",
    ),
    (
        "Audit trail review frequency",
        "data_integrity",
        "How often does FDA expect audit trails of our chromatography data system to be "
        "reviewed?\n\n<ul><li>per batch</li><li>per month</li></ul>",
        QuestionStatus.FOR_DISCUSSION,
        "",
    ),
    (
        "Supplier qualification after a change of API site",
        "supply_chain",
        "Our API supplier is moving production to a second site. What do you expect us to "
        "have done before we release product made with API from the new site?",
        QuestionStatus.RECEIVED,
        "",
    ),
)


def _firm_people(firm: Firm) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.firm_id == firm.id).order_by(User.role != Role.FIRM_ADMIN)
        )
    )


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    staff = people.get(STAFF)
    if staff is None or not firms:
        return
    authors = _firm_people(firms[0])
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.firm_id == firms[0].id).order_by(Meeting.starts_at)
    ).all()
    if not authors or not meetings:
        return
    now = utcnow()
    for meeting in meetings:
        if meeting.status == MeetingStatus.SCHEDULED and accepts_questions(meeting, now):
            for number, (subject, topic, body, status, response) in enumerate(UPCOMING):
                question = services.submit_question(
                    meeting, authors[number % len(authors)], subject=subject, topic=topic, body=body
                )
                if status != QuestionStatus.RECEIVED:
                    services.respond(question, status=status, response=response, by=staff)
        elif meeting.status == MeetingStatus.HELD:
            db.session.add(
                Question(
                    firm_id=meeting.firm_id,
                    meeting_id=meeting.id,
                    engagement_id=meeting.engagement_id,
                    author_id=authors[0].id,
                    subject="Scope of the first meeting",
                    topic="quality_system",
                    body_html=clean_html("Which parts of our quality system should we present?"),
                    status=QuestionStatus.ANSWERED_IN_WRITING,
                    submitted_at=meeting.starts_at - timedelta(days=20),
                    response_html=clean_html(
                        "Start with change control and your investigations of deviations."
                    ),
                    responded_at=meeting.starts_at - timedelta(days=10),
                    responded_by_id=staff.id,
                )
            )
