"""Forms for signing in and looking after one's own account."""

from __future__ import annotations

from wtforms import PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from portal.forms import LongSelect, PortalForm, TrimmedStringField
from portal.security import passwords
from portal.timezones import zone_choices

EMAIL_MAX = 254


class LoginForm(PortalForm):
    email = TrimmedStringField(
        "Email address",
        validators=[InputRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password."),
            Length(max=passwords.MAX_LENGTH, message="That is longer than any password here."),
        ],
    )
    submit = SubmitField("Sign in")


class SecondFactorForm(PortalForm):
    code = TrimmedStringField(
        "Code from your authenticator app, or a recovery code",
        validators=[InputRequired("Enter the 6-digit code."), Length(max=20)],
    )
    submit = SubmitField("Continue")


class EnrolSecondFactorForm(PortalForm):
    code = TrimmedStringField(
        "6-digit code from your authenticator app",
        validators=[InputRequired("Enter the 6-digit code your app shows."), Length(max=20)],
    )
    submit = SubmitField("Turn on two-step sign-in")


class ForgotPasswordForm(PortalForm):
    email = TrimmedStringField(
        "Email address",
        validators=[
            InputRequired("Enter the email address you sign in with."),
            Length(max=EMAIL_MAX),
            Email("Enter an email address like name@example.com."),
        ],
    )
    submit = SubmitField("Email me a link")


class NewPasswordForm(PortalForm):
    """Checked against NIST SP 800-63B-4 in the view, which knows whose password it is."""

    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password."),
            Length(
                max=passwords.MAX_LENGTH, message=f"Use at most {passwords.MAX_LENGTH} characters."
            ),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            InputRequired("Enter the new password a second time."),
            Length(max=passwords.MAX_LENGTH),
        ],
    )
    submit = SubmitField("Save password")

    def validate_confirm(self, field):
        if self.password.data and field.data != self.password.data:
            raise ValidationError("The two passwords are not the same. Type them again.")


class ActivateForm(NewPasswordForm):
    """Setting up an account: the first password and the person's own time zone (issue 16)."""

    timezone = SelectField(
        "Your time zone",
        widget=LongSelect(),
        description=(
            "Every date and time in the portal is shown in this zone. You can change it later "
            "under Your account."
        ),
        # DataRequired, not InputRequired: a form posted without the field keeps the zone
        # the account already has (a browser always sends the select's value).
        validators=[DataRequired("Choose your time zone.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(current=self.timezone.data)
        # zones.js fills in the browser's zone and adds a search box.
        self.timezone.render_kw = {"data-zone-search": "", "data-zone-detect": ""}


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[
            InputRequired("Enter your current password."),
            Length(max=passwords.MAX_LENGTH),
        ],
    )


class ProfileForm(PortalForm):
    full_name = TrimmedStringField(
        "Full name", validators=[InputRequired("Enter your name."), Length(max=120)]
    )
    title = TrimmedStringField("Job title", validators=[Length(max=120)])
    timezone = SelectField(
        "Time zone",
        widget=LongSelect(),
        description="Every date and time in the portal is shown in this zone.",
        validators=[InputRequired("Choose a time zone.")],
    )
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(current=self.timezone.data)
        self.timezone.render_kw = {"data-zone-search": ""}


class DisableSecondFactorForm(PortalForm):
    password = PasswordField(
        "Your password",
        validators=[InputRequired("Enter your password."), Length(max=passwords.MAX_LENGTH)],
    )
    submit = SubmitField("Turn off two-step sign-in")
