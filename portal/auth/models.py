"""Firms, people and the credentials they sign in with."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import PublicIdMixin, TimestampMixin, UTCDateTime, string_enum
from portal.timeutil import DEFAULT_TIMEZONE


class Role(enum.StrEnum):
    FDA_ADMIN = "fda_admin"
    FDA_STAFF = "fda_staff"
    FIRM_ADMIN = "firm_admin"
    FIRM_STAFF = "firm_staff"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.FDA_ADMIN: "FDA program manager",
    Role.FDA_STAFF: "FDA staff",
    Role.FIRM_ADMIN: "Firm quality lead",
    Role.FIRM_STAFF: "Firm quality staff",
}
FDA_ROLES = frozenset({Role.FDA_ADMIN, Role.FDA_STAFF})
FIRM_ROLES = frozenset({Role.FIRM_ADMIN, Role.FIRM_STAFF})


class UserStatus(enum.StrEnum):
    INVITED = "invited"  # account exists, password not yet set
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


class Firm(PublicIdMixin, TimestampMixin, db.Model):
    """A company whose quality staff use the portal; owns its sites' engagements."""

    __tablename__ = "firm"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Name the firm is known by (from the accepted site's legal name at first).
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Set when the firm leaves the program; nothing is deleted.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    users: Mapped[list[User]] = relationship(back_populates="firm", order_by="User.full_name")

    def __repr__(self) -> str:
        return f"<Firm {self.public_id}>"


class User(UserMixin, PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('fda_admin', 'fda_staff') AND firm_id IS NULL)"
            " OR (role IN ('firm_admin', 'firm_staff') AND firm_id IS NOT NULL)",
            name="firm_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(120), nullable=False)
    #: Job title, as the person gave it.
    title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"), nullable=False)
    #: The firm of a firm user; NULL for FDA users (enforced by a CHECK).
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    status: Mapped[UserStatus] = mapped_column(
        string_enum(UserStatus, "user_status"), nullable=False, default=UserStatus.INVITED
    )
    #: argon2id hash; NULL until the person sets a password through an emailed link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Raised on logout, password change and deactivation: every older session cookie dies.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Base32 TOTP secret once enrolment is confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: Last accepted TOTP time step; a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: IANA zone every date is shown in.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default=DEFAULT_TIMEZONE)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    firm: Mapped[Firm | None] = relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.public_id} {self.role}>"

    # Flask-Login: the id carries the session version, so raising the version
    # invalidates every cookie issued before (Flask-Login "alternative tokens").
    def get_id(self) -> str:
        return f"{self.public_id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ACTIVE

    @property
    def is_fda(self) -> bool:
        return self.role in FDA_ROLES

    @property
    def is_fda_admin(self) -> bool:
        return self.role == Role.FDA_ADMIN

    @property
    def is_firm_user(self) -> bool:
        return self.role in FIRM_ROLES

    @property
    def is_firm_admin(self) -> bool:
        return self.role == Role.FIRM_ADMIN

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def second_factor_required(self) -> bool:
        """FDA roles must use TOTP (issue 2); firm users may choose to."""
        return self.is_fda

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class RecoveryCode(db.Model):
    """Single-use codes for when the authenticator is lost; stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    #: SHA-256 of the code: the codes carry 50 bits from `secrets`, so no slow hash is needed.
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TokenPurpose(enum.StrEnum):
    ACTIVATION = "activation"
    RESET = "reset"


class AccountToken(db.Model):
    """An emailed link that sets a password: activation or reset. Single use, expiring."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        string_enum(TokenPurpose, "token_purpose"), nullable=False
    )
    #: SHA-256 of the token; the token itself exists only in the email.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordResetRequest(db.Model):
    """Someone asked for a reset link for this address (issue 9, item 6).

    The request page only records this, the same for every address, so neither
    its answer nor its timing tells whether an account exists; the mail worker
    (`flask mail send`) looks the address up and emails a link if it should.
    """

    __tablename__ = "password_reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed, normalized; may belong to no account.
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    #: When the mail worker decided; null while waiting.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class FormDraft(db.Model):
    """What someone typed into a form that arrived after their session expired.

    Restored into the same form after they sign in again, so nothing typed is lost.
    """

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("user_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The URL path the form was posted to.
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    #: The posted fields as JSON (a list of [name, value] pairs), minus the CSRF token.
    data: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
