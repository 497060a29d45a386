"""Reads for the thread lists: one query per page of engagements, whatever their traffic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from portal.auth.models import User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.models import EngagementMessage
from portal.messages.services import unread_messages_clause


@dataclass(frozen=True)
class ThreadFigures:
    messages: int = 0
    unread: int = 0
    last_at: datetime | None = None


def last_message_at():
    """The newest message of the row's engagement, for ordering a list by activity."""
    return (
        select(func.max(EngagementMessage.created_at))
        .where(EngagementMessage.engagement_id == Engagement.id)
        .scalar_subquery()
    )


def thread_figures(engagement_ids: list[int], person: User) -> dict[int, ThreadFigures]:
    """Messages, unread messages and the newest message's time, per engagement."""
    if not engagement_ids:
        return {}
    rows = db.session.execute(
        select(
            EngagementMessage.engagement_id,
            func.count(),
            func.sum(case((unread_messages_clause(person), 1), else_=0)),
            func.max(EngagementMessage.created_at),
        )
        .where(EngagementMessage.engagement_id.in_(engagement_ids))
        .group_by(EngagementMessage.engagement_id)
    ).all()
    return {
        engagement_id: ThreadFigures(count, int(unread or 0), last)
        for engagement_id, count, unread, last in rows
    }
