"""A firm's quality lead looks after the firm's portal accounts (SPEC "Who uses it").

The firm is always the lead's own (``admin.firm``), never one named in a
request; the account rules themselves are portal.auth.services'.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import services as audit
from portal.auth import services as accounts
from portal.auth.models import Role, TokenPurpose, User, UserStatus
from portal.extensions import db
from portal.mail import queue_email
from portal.timeutil import utcnow


def _same_firm(admin: User, colleague: User) -> None:
    # The views load colleagues through security.scoping already; this keeps the
    # rule true for any other caller too.
    if colleague.firm_id is None or colleague.firm_id != admin.firm_id:
        raise accounts.AccountError("That person is not in your firm.")


def _program_managers() -> list[str]:
    return list(
        db.session.scalars(
            select(User.email).where(User.role == Role.FDA_ADMIN, User.status == UserStatus.ACTIVE)
        )
    )


def _refer_conflict(admin: User, existing: User, email: str, full_name: str) -> None:
    """The address has an account elsewhere: the program manager sorts it out (issue 9, item 6)."""
    if existing.is_fda:
        kind = "an FDA account"
    else:
        kind = (
            "a firm account in another firm" if existing.firm_id != admin.firm_id else "this firm"
        )
    audit.record(
        "firm.invite_conflict",
        existing,
        firm_id=admin.firm_id,
        detail=f"{admin.email} invited {accounts.normalize_email(email)}: {kind}",
    )
    managers = _program_managers()
    if managers:
        queue_email(
            managers,
            "firm_invite_conflict",
            "SEP Portal: a firm invited an address that already has an account",
            admin=admin,
            firm=admin.firm,
            email=accounts.normalize_email(email),
            full_name=full_name,
            existing_kind=kind,
            when=utcnow(),
            zone=admin.timezone,
        )


def invite_colleague(*, admin: User, email: str, full_name: str, title: str = "") -> User | None:
    """A firm_staff account in the lead's firm; the person sets a password from the email.

    The answer must not tell the lead whether the address has an account in another
    firm or at FDA: then nothing is created, the program manager is told instead,
    and None is returned, which the view answers exactly like an invitation sent.
    A colleague already in the lead's own firm is named (the lead sees them listed).
    """
    existing = accounts.find_user_by_email(email)
    if existing is not None:
        if existing.firm_id == admin.firm_id and not existing.is_fda:
            raise accounts.AccountError(f"{existing.full_name} is already in your firm's list.")
        _refer_conflict(admin, existing, email, full_name)
        return None
    user = accounts.create_user(
        email=email,
        full_name=full_name,
        title=title,
        role=Role.FIRM_STAFF,
        firm=admin.firm,
        invited_by=admin,
    )
    return user


def deactivate_colleague(colleague: User, *, admin: User) -> None:
    """Ends the colleague's sessions and sign-ins; never the lead's own account."""
    _same_firm(admin, colleague)
    if colleague.status == UserStatus.DEACTIVATED:
        raise accounts.AccountError(f"{colleague.full_name} is already deactivated.")
    accounts.deactivate_user(colleague, by=admin)


def reactivate_colleague(colleague: User, *, admin: User) -> None:
    _same_firm(admin, colleague)
    if colleague.status != UserStatus.DEACTIVATED:
        raise accounts.AccountError(f"{colleague.full_name} is not deactivated.")
    accounts.reactivate_user(colleague)


def resend_setup_link(colleague: User, *, admin: User) -> None:
    """A new set-up link for a colleague who has not chosen a password yet."""
    _same_firm(admin, colleague)
    if colleague.status != UserStatus.INVITED:
        raise accounts.AccountError(f"{colleague.full_name} has already set up their account.")
    accounts.send_account_link(colleague, TokenPurpose.ACTIVATION, invited_by=admin)
