"""Quality actions on the firm's home page, the engagement pages and FDA's work list.

Each list shows at most PANEL_ROWS actions, overdue first, with the number of
all of them: two queries per list, whatever the number of actions.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import Select, case, func, select

from portal.engagements.models import Engagement
from portal.extensions import db
from portal.panels import panel
from portal.quality.models import ActionStatus, QualityAction
from portal.quality.pages import list_options
from portal.security.scoping import scope_to_viewer
from portal.timeutil import program_today

PANEL_ROWS = 10
#: Still needing someone's attention: being worked on, or waiting for FDA to verify.
UNFINISHED = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.COMPLETED)


def _listing(condition) -> tuple[list[QualityAction], int]:
    """The first rows (overdue first, then by target date) and how many match in all."""
    today = program_today()
    base: Select = scope_to_viewer(select(QualityAction).where(condition), QualityAction)
    rows = db.session.scalars(
        base.options(*list_options())
        .order_by(
            case((QualityAction.is_overdue(today), 0), else_=1),
            QualityAction.target_date.asc().nulls_last(),
            QualityAction.id,
        )
        .limit(PANEL_ROWS)
    ).all()
    total = db.session.scalar(
        scope_to_viewer(select(func.count(QualityAction.id)).where(condition), QualityAction)
    )
    return list(rows), int(total or 0)


def _render(heading: str, condition, *, empty: str, engagement: Engagement | None = None):
    rows, total = _listing(condition)
    return render_template(
        "quality/_panel.html",
        heading=heading,
        rows=rows,
        total=total,
        empty=empty,
        engagement=engagement,
        today=program_today(),
        fda=current_user.is_fda,
    )


@panel("firm_home", order=50)
def firm_home_actions(*, engagements: list[Engagement]):
    ids = [engagement.id for engagement in engagements]
    if not ids:
        return ""
    return _render(
        "Quality actions",
        QualityAction.engagement_id.in_(ids) & QualityAction.status.in_(UNFINISHED),
        empty="No quality actions under way.",
    )


@panel("engagement", order=50)
def engagement_actions(*, engagement: Engagement):
    return _render(
        "Quality actions",
        (QualityAction.engagement_id == engagement.id) & QualityAction.status.in_(UNFINISHED),
        empty="No quality actions under way for this engagement.",
        engagement=engagement,
    )


@panel("worklist", order=50)
def worklist_actions():
    if not current_user.is_fda:
        return ""
    awaiting = _render(
        "Quality actions awaiting verification",
        QualityAction.status == ActionStatus.COMPLETED,
        empty="No completed actions are waiting for FDA to verify them.",
    )
    overdue = _render(
        "Overdue quality actions",
        QualityAction.is_overdue(program_today()),
        empty="No quality action is overdue.",
    )
    return awaiting + overdue
