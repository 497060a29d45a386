"""Open regulatory actions old enough to need a look (SPEC 2).

An action stays open until FDA records it closed, so a warning letter of 2009
whose close-out was never entered keeps its site ineligible forever. Actions
older than the program setting ``open_action_review_years`` (default 5) are
listed for FDA staff, who close them singly or many at once with a reason;
each closure is audited on its own action, as a single close is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.audit import services as audit
from portal.program.settings import get_setting
from portal.sites.models import RegulatoryAction
from portal.sites.record_services import close_regulatory_action
from portal.sites.services import SiteError

#: Most actions closed in one go: a page of the review list.
BULK_MAX = 100


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_in_words(since: date, today: date) -> str:
    """ "7 years 2 months old", "3 months old", "12 days old": how long an action is open."""
    months = (today.year - since.year) * 12 + today.month - since.month
    if today.day < since.day:
        months -= 1
    if months <= 0:
        days = (today - since).days
        return f"{days} day{'s' if days != 1 else ''} old"
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " ".join(parts) + " old"


def review_cutoff(today: date) -> date:
    """Open actions taken on or before this day are listed for review."""
    return years_before(today, get_setting("open_action_review_years"))


def old_open_actions(today: date) -> Select:
    """Open actions older than the review age, oldest first, with their site."""
    return (
        select(RegulatoryAction)
        .options(joinedload(RegulatoryAction.site))
        .where(
            RegulatoryAction.closed_on.is_(None),
            RegulatoryAction.action_date <= review_cutoff(today),
        )
        .order_by(RegulatoryAction.action_date, RegulatoryAction.id)
    )


def close_old_actions(
    actions: Sequence[RegulatoryAction], *, closed_on: date, reason: str, by, today: date
) -> int:
    """Record each action closed with the same date and reason; all or none.

    The caller rolls back on SiteError, so one action that cannot be closed (closed
    a moment ago by a colleague, or taken after ``closed_on``) leaves every other
    one as it was, and the message names it.
    """
    if not actions:
        raise SiteError("Tick at least one action to close.", "actions")
    if len(actions) > BULK_MAX:
        raise SiteError(f"Close at most {BULK_MAX} actions at once.", "actions")
    for action in actions:
        try:
            close_regulatory_action(action, closed_on=closed_on, note=reason, by=by, today=today)
        except SiteError as error:
            raise SiteError(
                f"{action.action_type} of {action.action_date.isoformat()} at "
                f"{action.site.legal_name} (FEI {action.site.fei_number}): {error} "
                "Nothing was closed.",
                error.field,
            ) from error
    if len(actions) > 1:
        audit.record(
            "regulatory_action.close_many",
            detail=f"Closed {len(actions)} open actions older than the review age: {reason}",
        )
    return len(actions)
