"""Short lists of quality actions for other pages' sections (firm's and FDA's alike).

Each list shows at most SECTION_ROWS actions, overdue first, with the number of
all of them: one query per list, whatever the number of actions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.pages import list_options
from portal.security.scoping import scope_to_viewer

SECTION_ROWS = 10
#: Still needing someone's attention: being worked on, or waiting for FDA to verify.
UNFINISHED = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED)


def shortlist(condition, today: date, *, heading: str, empty: str) -> dict[str, Any]:
    """The first rows (overdue first, then by target date) and how many match in all."""
    # The count rides on the rows (a window over the whole match, taken before LIMIT):
    # one query instead of a second count, and both read the same snapshot.
    stmt = (
        scope_to_viewer(select(QualityAction).where(condition), QualityAction)
        .add_columns(func.count().over().label("total"))
        .options(*list_options())
        .order_by(
            case((QualityAction.is_overdue(today), 0), else_=1),
            QualityAction.target_date.asc().nulls_last(),
            QualityAction.id,
        )
        .limit(SECTION_ROWS)
    )
    results = db.session.execute(stmt).all()
    return {
        "heading": heading,
        "rows": [action for action, _ in results],
        "total": int(results[0].total) if results else 0,
        "empty": empty,
        "today": today,
    }
