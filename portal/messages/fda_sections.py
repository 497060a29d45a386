"""FDA's message sections on the work list and the engagement page: data, not HTML.

The work list includes ``messages/_fda_worklist.html``; the engagement page
``messages/_fda_engagement.html``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal.auth.models import Firm, User
from portal.engagements.models import Engagement
from portal.extensions import db
from portal.messages.fda_notes import fda_unread_thread_clause, unread_posts_in
from portal.sites.models import Site

#: Threads listed on the work list; the rest are counted.
WORKLIST_LIMIT = 10


def unread_threads(person: User) -> dict[str, Any]:
    """Engagements whose thread (or notes) has something this person has not read: one query."""
    rows = db.session.execute(
        select(Engagement, func.count().over().label("total"))
        .join(Engagement.site)
        .join(Engagement.firm)
        .options(contains_eager(Engagement.site), contains_eager(Engagement.firm))
        .where(fda_unread_thread_clause(person))
        .order_by(Firm.name, Site.legal_name, Engagement.id)
        .limit(WORKLIST_LIMIT)
    ).all()
    return {
        "engagements": [row[0] for row in rows],
        "total": rows[0].total if rows else 0,
    }


def engagement_thread(engagement: Engagement, person: User) -> dict[str, Any]:
    """The engagement page's pointer to its thread: how much this person has not read."""
    return {"engagement": engagement, "unread": unread_posts_in(engagement, person)}
