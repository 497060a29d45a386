"""Bearer tokens for FDA information systems reading the API (issue: API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import PublicIdMixin, UTCDateTime
from portal.timeutil import utcnow


class ApiToken(PublicIdMixin, db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What system uses it, as the program manager named it.
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    #: SHA-256 of the token; the token is shown once, when issued.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: First characters of the token, so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    #: Only "read" exists: the API changes nothing.
    scope: Mapped[str] = mapped_column(String(16), nullable=False, default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The triggers behind the sites list's order are installed with the tables.
from portal.api import site_changes  # noqa: E402,F401
