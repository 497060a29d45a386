"""Firms, people and the credentials they sign in with."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
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
    #: FDA users only: until when the program manager lets them sign in with TOTP
    #: instead of a security key (issue 14: TOTP is a recovery path for FDA, not a factor).
    totp_recovery_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
        """FDA roles must use a security key or passkey (SPEC "Who uses it", OMB M-22-09);
        firm users may choose TOTP, a key, or both."""
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


class WebAuthnCredential(PublicIdMixin, db.Model):
    """A security key or passkey registered to one person (WebAuthn, issue 14).

    Removal sets ``removed_at``: the row stays, so a removed key is refused by name
    and the audit log can still say which key was used when.
    """

    __tablename__ = "webauthn_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    #: The authenticator's credential id (raw bytes, as the browser reports it).
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True, nullable=False)
    #: COSE public key; the private half never leaves the authenticator.
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048), nullable=False)
    #: Signature counter last seen; one that goes backwards means a cloned key.
    sign_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: What the person calls it ("blue YubiKey", "work laptop").
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    #: A passkey: discoverable and user-verifying, so it may sign in without a password.
    is_passkey: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Backup eligibility (BE flag); fixed for the life of a credential, so a change is refused.
    backup_eligible: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Backup state (BS flag) at the last use: synced to a cloud account or not.
    backed_up: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Comma-separated transports the browser reported (usb, nfc, ble, internal, hybrid).
    transports: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class WebAuthnChallenge(db.Model):
    """A challenge handed to the browser: kept here, single use, short-lived.

    The browser session holds only the row's random handle, so a challenge issued
    to one browser cannot be answered from another.
    """

    __tablename__ = "webauthn_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random handle stored in the browser session.
    handle_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: "register" or "authenticate".
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    #: Whose key is being registered or asked for; NULL for passkey sign-in (anyone's).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(PublicIdMixin, db.Model):
    """One signed-in browser, listed on the account page ("Your sessions").

    Works with ``User.session_version``: raising the version ends every record;
    ending one record ends only that browser's cookie.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    #: SHA-256 of the random id kept in the (signed) session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: The browser's User-Agent at sign-in, cut to length; shown as "Firefox on Windows".
    user_agent: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    #: Client address at sign-in.
    address: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
