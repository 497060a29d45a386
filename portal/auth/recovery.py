"""TOTP as a recovery path for FDA staff, allowed per person and for a limited time.

Why: a code from an app can be relayed by a fake sign-in page, so it does not count
as phishing-resistant (OMB M-22-09). FDA staff sign in with a security key; when one
is lost, the program manager lets that person use their authenticator app for a few
days, and the audit log records who allowed it and until when.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.audit import services as audit
from portal.auth.models import User
from portal.timeutil import utcnow

#: The longest recovery allowance the program manager may give at once.
MAX_DAYS = 14


class RecoveryError(ValueError):
    """A recovery allowance that cannot be given; the message is for the program manager."""


def allowed_until(user: User) -> datetime | None:
    """When the person's current allowance ends, or None if they have none now."""
    until = user.totp_recovery_until
    return until if until is not None and until > utcnow() else None


def totp_allowed(user: User) -> bool:
    """Whether a TOTP code (or recovery code) may complete this person's sign-in."""
    if user.totp_secret is None:
        return False
    return not user.is_fda or allowed_until(user) is not None


def may_enrol_totp_at_sign_in(user: User) -> bool:
    """An FDA user with an allowance but no app yet may set one up at sign-in."""
    return user.is_fda and user.totp_secret is None and allowed_until(user) is not None


def allow(user: User, *, days: int, by: User | None, reason: str = "") -> datetime:
    """Let an FDA user sign in with TOTP for ``days`` days from now."""
    if not user.is_fda:
        raise RecoveryError("Firm users may use an authenticator app without an allowance.")
    if not 1 <= days <= MAX_DAYS:
        raise RecoveryError(f"Choose between 1 and {MAX_DAYS} days.")
    until = utcnow() + timedelta(days=days)
    user.totp_recovery_until = until
    audit.record(
        "auth.totp_recovery_allowed",
        user,
        actor=by,
        detail=f"until={until.isoformat(timespec='minutes')} {reason}".strip()[:500],
    )
    return until


def withdraw(user: User, *, by: User) -> None:
    if allowed_until(user) is None:
        raise RecoveryError("This person has no recovery allowance to withdraw.")
    user.totp_recovery_until = None
    audit.record("auth.totp_recovery_withdrawn", user, actor=by)
