"""Bearer tokens for the read-only API: issued and revoked by the program manager."""

from __future__ import annotations

from flask import request
from sqlalchemy import select, update

from portal.api.models import ApiToken
from portal.extensions import db
from portal.security.tokens import hash_token, looks_like_token
from portal.timeutil import utcnow


def token_from_request() -> ApiToken | None:
    """The live token the request carries, or None. Records its last use."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not looks_like_token(value.strip()):
        return None
    token = db.session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(value.strip()), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if token is None:
        return None
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=utcnow())
    )
    return token
