"""Issuing and revoking API tokens: the program manager's decisions, each audited."""

from __future__ import annotations

from portal.api.models import ApiToken
from portal.audit import services as audit
from portal.extensions import db
from portal.security.tokens import hash_token, new_token
from portal.timeutil import utcnow

#: Characters of the token kept in clear, so people can tell their tokens apart.
PREFIX_LENGTH = 8


class TokenError(ValueError):
    """A refused change, with the message for the person."""


def issue_token(name: str, *, by) -> tuple[ApiToken, str]:
    """A new read-only token. The token itself is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise TokenError("Name the system that will use the token.")
    token = new_token()
    record = ApiToken(
        name=name,
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
        scope="read",
        created_by_id=by.id,
    )
    db.session.add(record)
    db.session.flush()
    audit.record("api_token.issue", record, detail=f"{name} ({record.prefix}…), scope read")
    return record, token


def revoke_token(record: ApiToken, *, by) -> None:
    """From now on the token is refused (401). The record stays, for the audit trail."""
    if record.revoked_at is not None:
        raise TokenError("This token was already revoked.")
    record.revoked_at = utcnow()
    record.revoked_by_id = by.id
    audit.record("api_token.revoke", record, detail=f"{record.name} ({record.prefix}…)")
