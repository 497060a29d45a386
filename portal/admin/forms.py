"""Forms of the program manager's pages."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import Email, InputRequired, Length, NumberRange

from portal.auth.models import Role
from portal.forms import PortalForm, TrimmedStringField, choices
from portal.program.settings import DEFINITIONS, TEXT_DEFINITIONS


class NewFdaUserForm(PortalForm):
    email = TrimmedStringField(
        "Email address",
        validators=[
            InputRequired("Enter the person's email address."),
            Length(max=254),
            Email("Enter an email address like name@fda.hhs.gov."),
        ],
    )
    full_name = TrimmedStringField(
        "Full name", validators=[InputRequired("Enter the person's name."), Length(max=120)]
    )
    title = TrimmedStringField("Job title", validators=[Length(max=120)])
    role = SelectField(
        "Role",
        choices=choices([(r.value, r.label) for r in (Role.FDA_STAFF, Role.FDA_ADMIN)]),
        validators=[InputRequired("Choose a role.")],
    )
    submit = SubmitField("Create account and email the link")


def settings_form_class():
    """A form with one whole-number field per program setting."""

    class SettingsForm(PortalForm):
        submit = SubmitField("Save settings")

    for definition in DEFINITIONS:
        setattr(
            SettingsForm,
            definition.key,
            IntegerField(
                definition.label,
                description=definition.hint,
                validators=[
                    InputRequired(f"Enter a whole number for {definition.label.lower()}."),
                    NumberRange(
                        definition.minimum,
                        definition.maximum,
                        f"Enter a number from {definition.minimum} to {definition.maximum}.",
                    ),
                ],
            ),
        )
    for text in TEXT_DEFINITIONS:
        setattr(
            SettingsForm,
            text.key,
            TrimmedStringField(
                text.label,
                description=text.hint,
                validators=[
                    InputRequired(f"Enter {text.label.lower()}."),
                    Length(max=text.max_length),
                ],
            ),
        )
    return SettingsForm
