"""Demo threads for `flask seed-demo`: a short exchange per firm, and FDA's internal notes.

Made through the services, so notices sit in the outbox and markers read as in
real use, then spread over the past days. Some messages stay unread, so the
header and the work list show their counts at once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from portal.auth.models import Firm, Role, User
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.messages import fda_notes, services
from portal.messages.models import EngagementMessage, MessageReadMarker
from portal.timeutil import utcnow

STAFF = "staff@fda.example.gov"

#: Per firm, in order: (who: "firm" or "fda" or "note", text, days ago).
THREADS = (
    (
        (
            "firm",
            "Ahead of the next meeting: should the revised cleaning validation for the "
            "shared granulator include the **new worst-case product**, or only the "
            "products made today?",
            9,
        ),
        (
            "fda",
            "Thank you. We will take it up at the meeting. Please list the draft "
            "protocol number with your questions so that we can read it beforehand.",
            8,
        ),
        (
            "note",
            "Compare with the granulator cleaning observations of the last inspection "
            "before the meeting; the district office has the inspection report.",
            8,
        ),
        ("firm", "Protocol VP-0231 is in draft; it is listed with our questions.", 2),
    ),
    (
        (
            "firm",
            "We are replacing the water-for-injection loop under change control CC-88. "
            "Would FDA like a walkthrough of the new sampling plan?",
            4,
        ),
        (
            "note",
            "The sampling plan walkthrough could replace the on-site meeting; ask the "
            "program manager before answering.",
            3,
        ),
    ),
)


def _engagement_of(firm: Firm) -> Engagement | None:
    return db.session.scalars(
        select(Engagement).where(
            Engagement.firm_id == firm.id, Engagement.status == EngagementStatus.ACTIVE
        )
    ).first()


def _lead(firm: Firm, people: dict[str, User]) -> User | None:
    return next(
        (p for p in people.values() if p.firm_id == firm.id and p.role == Role.FIRM_ADMIN), None
    )


def seed(people: dict[str, User], firms: list[Firm]) -> None:
    fda = people.get(STAFF)
    if fda is None:
        return
    for firm, thread in zip(firms, THREADS, strict=False):
        engagement, lead = _engagement_of(firm), _lead(firm, people)
        if engagement is None or lead is None:
            continue
        for who, text, days_ago in thread:
            at = utcnow() - timedelta(days=days_ago)
            if who == "note":
                row = fda_notes.post_note(engagement, text, by=fda)
                model = fda_notes.EngagementNote
            else:
                row = services.post_message(engagement, text, by=lead if who == "firm" else fda)
                model = EngagementMessage
            db.session.execute(update(model).where(model.id == row.id).values(created_at=at))
            # The author read the thread as they wrote; the marker goes back with the post.
            db.session.execute(
                update(MessageReadMarker)
                .where(
                    MessageReadMarker.engagement_id == engagement.id,
                    MessageReadMarker.user_id == row.author_id,
                )
                .values(read_at=at)
            )
    db.session.flush()
