"""Short lists of quality actions for other pages' sections (firm's and FDA's alike).

Each list shows at most SECTION_ROWS actions, overdue first, with the number of
all of them: two queries per list, whatever the number of actions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select

from portal.extensions import db
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.pages import list_options
from portal.security.scoping import scope_to_viewer

SECTION_ROWS = 10
#: Still needing someone's attention: being worked on, or waiting for FDA to verify.
UNFINISHED = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED)


def shortlist(condition, today: date, *, heading: str, empty: str) -> dict[str, Any]:
    """The first rows (overdue first, then by target date) and how many match in all."""
    base: Select = scope_to_viewer(select(QualityAction).where(condition), QualityAction)
    rows = db.session.scalars(
        base.options(*list_options())
        .order_by(
            case((QualityAction.is_overdue(today), 0), else_=1),
            QualityAction.target_date.asc().nulls_last(),
            QualityAction.id,
        )
        .limit(SECTION_ROWS)
    ).all()
    total = db.session.scalar(
        scope_to_viewer(select(func.count(QualityAction.id)).where(condition), QualityAction)
    )
    return {
        "heading": heading,
        "rows": list(rows),
        "total": int(total or 0),
        "empty": empty,
        "today": today,
    }
