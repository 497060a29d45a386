"""Who belongs to a firm, in the one sense every domain means it."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.sql.elements import ColumnElement

from portal.auth.models import User, UserStatus
from portal.extensions import db


def active_member_of(firm_id) -> ColumnElement[bool]:
    """SQL: ``User`` is one of the firm's active users, the people who hear about its engagement.

    ``firm_id`` may be a value or a column (to join a firm's users to its records).
    A deactivated or not yet activated account is not asked, reminded or told anything.
    """
    return and_(User.firm_id == firm_id, User.status == UserStatus.ACTIVE)


def active_firm_users(firm_id: int) -> list[User]:
    """The firm's active users by name: the recipients of every email to "the firm"."""
    return list(
        db.session.scalars(
            select(User).where(active_member_of(firm_id)).order_by(User.full_name, User.id)
        )
    )
