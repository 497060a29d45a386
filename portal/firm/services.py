"""A firm's quality lead looks after the firm's portal accounts (SPEC "Who uses it").

The firm is always the lead's own (``admin.firm``), never one named in a
request; the account rules themselves are portal.auth.services'.
"""

from __future__ import annotations

from portal.auth import services as accounts
from portal.auth.models import Role, TokenPurpose, User, UserStatus
from portal.extensions import db


def _same_firm(admin: User, colleague: User) -> None:
    # The views load colleagues through security.scoping already; this keeps the
    # rule true for any other caller too.
    if colleague.firm_id is None or colleague.firm_id != admin.firm_id:
        raise accounts.AccountError("That person is not in your firm.")


def invite_colleague(*, admin: User, email: str, full_name: str, title: str = "") -> User:
    """A firm_staff account in the lead's firm; the person sets a password from the email."""
    user = accounts.create_user(
        email=email,
        full_name=full_name,
        title=title,
        role=Role.FIRM_STAFF,
        firm=admin.firm,
        invited_by=admin,
    )
    db.session.commit()
    return user


def deactivate_colleague(colleague: User, *, admin: User) -> None:
    """Ends the colleague's sessions and sign-ins; never the lead's own account."""
    _same_firm(admin, colleague)
    if colleague.status == UserStatus.DEACTIVATED:
        raise accounts.AccountError(f"{colleague.full_name} is already deactivated.")
    accounts.deactivate_user(colleague, by=admin)
    db.session.commit()


def reactivate_colleague(colleague: User, *, admin: User) -> None:
    _same_firm(admin, colleague)
    if colleague.status != UserStatus.DEACTIVATED:
        raise accounts.AccountError(f"{colleague.full_name} is not deactivated.")
    accounts.reactivate_user(colleague)
    db.session.commit()


def resend_setup_link(colleague: User, *, admin: User) -> None:
    """A new set-up link for a colleague who has not chosen a password yet."""
    _same_firm(admin, colleague)
    if colleague.status != UserStatus.INVITED:
        raise accounts.AccountError(f"{colleague.full_name} has already set up their account.")
    accounts.send_account_link(colleague, TokenPurpose.ACTIVATION, invited_by=admin)
    db.session.commit()
