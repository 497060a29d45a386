"""Opening and closing engagements, and the regulatory flag (SPEC 6, 13)."""

from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import with_expression
from sqlalchemy.sql.elements import ColumnElement

from portal.audit import services as audit
from portal.auth.models import Firm, User
from portal.auth.queries import active_firm_users
from portal.engagements.models import Engagement, EngagementStatus
from portal.extensions import db
from portal.invitations.models import Invitation
from portal.mail import queue_email
from portal.sites.models import RegulatoryAction
from portal.timeutil import utcnow
from portal.urls import external_url


class EngagementError(ValueError):
    """A change to an engagement that cannot be made; the message is for the person."""


def _flagging(site_id, opened_at) -> ColumnElement[bool]:
    """An adverse action on the site, recorded after the engagement opened and still open.

    SPEC 13: regulatory action stays possible while a site is in the program.
    Such an action flags the engagement for FDA staff; it changes nothing else.
    ``site_id``/``opened_at`` are an engagement's columns or its values.
    """
    return and_(
        RegulatoryAction.site_id == site_id,
        RegulatoryAction.created_at >= opened_at,
        RegulatoryAction.closed_on.is_(None),
    )


def regulatory_flag_expression() -> ColumnElement[bool]:
    """SQL for "this engagement is flagged"; correlates to Engagement in the enclosing query."""
    return exists().where(_flagging(Engagement.site_id, Engagement.opened_at))


def with_regulatory_flag():
    """Loader option: fill Engagement.regulatory_flag in the same query (no N+1)."""
    return with_expression(Engagement.regulatory_flag, regulatory_flag_expression())


def flagging_actions(engagement: Engagement) -> list[RegulatoryAction]:
    """The open actions that flag this engagement, newest first."""
    return list(
        db.session.scalars(
            select(RegulatoryAction)
            .where(_flagging(engagement.site_id, engagement.opened_at))
            .order_by(RegulatoryAction.action_date.desc())
        )
    )


def open_engagement(invitation: Invitation, firm: Firm) -> Engagement:
    """The engagement an accepted invitation opens (SPEC 6). Flushed, not committed.

    ``invitation_id`` is unique: should two accepts ever get this far for one
    letter, the second insert fails instead of opening a second engagement.
    """
    engagement = Engagement(
        firm_id=firm.id,
        site_id=invitation.site_id,
        invitation_id=invitation.id,
        status=EngagementStatus.ACTIVE,
        opened_at=utcnow(),
    )
    db.session.add(engagement)
    db.session.flush()
    audit.record("engagement.open", engagement)
    return engagement


def close_engagement(engagement: Engagement, *, reason: str, by: User) -> None:
    """FDA ends the engagement; its records stay, and the firm's people are told."""
    if engagement.status != EngagementStatus.ACTIVE:
        raise EngagementError("This engagement is already closed.")
    if not reason.strip():
        raise EngagementError("Say why the engagement is closed; the reason is kept.")
    engagement.status = EngagementStatus.CLOSED
    engagement.closed_at = utcnow()
    engagement.close_reason = reason.strip()
    audit.record("engagement.close", engagement, detail=reason.strip()[:500])
    people = [user.email for user in active_firm_users(engagement.firm_id)]
    if people:
        queue_email(
            people,
            "engagements_closed",
            "Your Site Engagement Program engagement has closed",
            firm_id=engagement.firm_id,
            engagement=engagement,
            reason=engagement.close_reason,
            link=external_url("firm.engagement", engagement_id=engagement.public_id),
        )
