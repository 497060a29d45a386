"""Forms of the invitation pages: FDA's letter and the site's answer."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from portal.forms import FormattedTextField, PortalForm, RequiredByService, TrimmedStringField
from portal.security import passwords

REASON_MAX = 2000


class LetterForm(PortalForm):
    """Who the letter goes to. The recipients' choices are the site's contacts (set by the view)."""

    recipients = SelectMultipleField(
        "Send the letter to",
        validate_choice=False,
        description="The letter is emailed to each contact you tick, with the same link.",
    )
    addressee = TrimmedStringField(
        "Addressed to",
        description='The name after "Dear", for example "Ms. Rivera" or "Dr. Chen".',
        validators=[InputRequired("Enter whom the letter is addressed to."), Length(max=200)],
    )
    paragraph = FormattedTextField(
        "FDA's own paragraph",
        inline=True,
        description="Printed in the letter after the reasons the site was identified. For a "
        "site admitted by FDA's override the letter states this paragraph instead of the "
        "program's criteria.",
        validators=[RequiredByService("for a site admitted by FDA's override"), Length(max=2000)],
    )
    #: "preview" from the compose page, "edit" to go back from the preview.
    step = HiddenField(default="preview")
    submit = SubmitField("Preview the letter")

    def validate_recipients(self, field):
        if not field.data:
            raise ValidationError("Choose at least one contact to send the letter to.")
        allowed = {choice.value for choice in field.choices or []}
        if any(value not in allowed for value in field.data):
            raise ValidationError("Choose only contacts listed here.")


class WithdrawForm(PortalForm):
    reason = TextAreaField(
        "Why is the invitation withdrawn?",
        description="Kept with the invitation and in the audit log. The site is not emailed.",
        validators=[InputRequired("Say why the invitation is withdrawn."), Length(max=REASON_MAX)],
    )
    submit = SubmitField("Withdraw the invitation")


class LetterAddressForm(PortalForm):
    """The link's gate (SPEC "Who uses it"): the letter shows only to its recipient's address."""

    email = TrimmedStringField(
        "The email address this letter was sent to",
        description="The address at which you received FDA's email with this link.",
        validators=[
            InputRequired("Enter the email address the letter was sent to."),
            Length(max=254),
        ],
    )
    submit = SubmitField("Show the letter")


class DeclineForm(PortalForm):
    reason = TextAreaField(
        "Would you tell us why?",
        description="Your reason helps FDA improve the program. You do not have to give one.",
        validators=[Length(max=REASON_MAX)],
    )
    submit = SubmitField("Decline the invitation")


class AcceptForm(PortalForm):
    """Who accepts (SPEC 6). The password is for a new account only; the service decides."""

    full_name = TrimmedStringField(
        "Your full name",
        validators=[InputRequired("Enter your name."), Length(max=120)],
    )
    title = TrimmedStringField(
        "Your job title",
        validators=[InputRequired("Enter your job title."), Length(max=120)],
    )
    email = TrimmedStringField(
        "Your email address",
        description=(
            "Filled in with the address this letter was sent to. If that is a shared mailbox, "
            "give your own work address instead: we email it a link to confirm it, and it "
            "becomes your sign-in."
        ),
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254),
            Email("Enter an email address like name@example.com."),
        ],
    )
    password = PasswordField(
        "Choose a password",
        description=(
            "Needed when you keep the address this letter was sent to and have no portal "
            "account yet. Leave blank if you gave another address (you choose your password "
            "from the link we email it) or if you already have an account."
        ),
        validators=[
            Length(
                max=passwords.MAX_LENGTH, message=f"Use at most {passwords.MAX_LENGTH} characters."
            )
        ],
    )
    confirm = PasswordField("Password again", validators=[Length(max=passwords.MAX_LENGTH)])
    submit = SubmitField("Accept the invitation")

    def validate_confirm(self, field):
        if self.password.data and field.data != self.password.data:
            raise ValidationError("The two passwords are not the same. Type them again.")
