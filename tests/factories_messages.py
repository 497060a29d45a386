"""Factories for engagement messages and FDA's internal notes (SPEC 14)."""

from __future__ import annotations

from datetime import datetime

from portal.auth.models import User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.fda_notes import EngagementNote
from portal.messages.models import EngagementMessage
from portal.messages.services import mark_read
from portal.timeutil import utcnow


def message(
    engagement: Engagement, author: User, body: str = "A message.", at: datetime | None = None
) -> EngagementMessage:
    row = EngagementMessage(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        author_id=author.id,
        body=body,
        created_at=at or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    # As the services do: whoever writes has read the thread up to what they wrote.
    mark_read(engagement, author, at=row.created_at)
    return row


def note(
    engagement: Engagement,
    author: User,
    body: str = "An internal note.",
    at: datetime | None = None,
) -> EngagementNote:
    row = EngagementNote(
        firm_id=engagement.firm_id,
        engagement_id=engagement.id,
        author_id=author.id,
        body=body,
        created_at=at or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    # As the services do: whoever writes has read the thread up to what they wrote.
    mark_read(engagement, author, at=row.created_at)
    return row
