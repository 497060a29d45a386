"""The firm's pointer to an engagement's thread, on its engagement page: data, not HTML.

Messages only: the firm's modules never import FDA's notes (SPEC 14).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.auth.models import User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.models import EngagementMessage
from portal.messages.services import unread_messages_clause


def engagement_thread(engagement: Engagement, person: User) -> dict[str, Any]:
    count = db.session.scalar(
        select(func.count()).where(
            EngagementMessage.engagement_id == engagement.id, unread_messages_clause(person)
        )
    )
    return {"engagement": engagement, "unread": count or 0}
