"""Forms for security keys, passkeys, sessions and the FDA recovery allowance."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.auth.keys import NAME_MAX
from portal.auth.recovery import MAX_DAYS
from portal.forms import PortalForm, TrimmedStringField, choices
from portal.security import passwords

#: The authenticator's answer (JSON, filled by static/js/webauthn.js); a few kilobytes at most.
CREDENTIAL_MAX = 16000


class KeySignInForm(PortalForm):
    credential = HiddenField(validators=[Length(max=CREDENTIAL_MAX)])
    submit = SubmitField("Use your security key")


class PasskeySignInForm(PortalForm):
    credential = HiddenField(validators=[Length(max=CREDENTIAL_MAX)])
    submit = SubmitField("Use a passkey")


class RegisterKeyForm(PortalForm):
    name = TrimmedStringField(
        "Name for this key",
        description="So you can tell your keys apart, for example “blue key on my keyring”.",
        validators=[InputRequired("Give the key a name."), Length(max=NAME_MAX)],
    )
    kind = RadioField(
        "Kind",
        choices=choices(
            [
                ("key", "A security key, used after your password"),
                (
                    "passkey",
                    "A passkey, which can sign you in alone "
                    "(it asks for your PIN, fingerprint or face)",
                ),
            ]
        ),
        default="key",
        validators=[InputRequired("Choose the kind of key.")],
    )
    credential = HiddenField(validators=[Length(max=CREDENTIAL_MAX)])
    submit = SubmitField("Register the key")


class RemoveKeyForm(PortalForm):
    key = HiddenField(validators=[Length(max=64)])
    password = PasswordField(
        "Your password",
        description="Enter your password to confirm it is you.",
        validators=[InputRequired("Enter your password."), Length(max=passwords.MAX_LENGTH)],
    )
    submit = SubmitField("Remove the key")


class EndSessionForm(PortalForm):
    session = HiddenField(validators=[Length(max=64)])
    submit = SubmitField("Sign out this session")


class RecoveryAllowanceForm(PortalForm):
    days = SelectField(
        "Allow sign-in with the authenticator app for",
        choices=choices([(str(d), f"{d} day{'s' if d > 1 else ''}") for d in (1, 3, 7, MAX_DAYS)]),
        validators=[InputRequired("Choose how long.")],
    )
    reason = TrimmedStringField(
        "Reason",
        description="Kept in the audit log, for example “key lost, new one ordered”.",
        validators=[InputRequired("Give a reason."), Length(max=200)],
    )
    submit = SubmitField("Allow recovery sign-in")
