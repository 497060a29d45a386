"""Forms of the FDA site pages. The rules themselves live in portal.sites.services."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.forms import (
    FormattedTextField,
    PortalForm,
    RequiredByService,
    RequiredWhen,
    TrimmedStringField,
    choices,
)
from portal.sites.models import REGULATORY_ACTION_TYPES, ContactOutcome
from portal.sites.validation import email_problem, fei_problem


class _SaysWhatToType:
    """A date input whose parse error says what to type, not "Not a valid date value"."""

    what_to_type = ""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(self.what_to_type) from error


class FriendlyDateField(_SaysWhatToType, DateField):
    what_to_type = "Enter a real date, for example 2017-06-01."


class FriendlyDateTimeField(_SaysWhatToType, DateTimeLocalField):
    what_to_type = "Enter the date and the time, for example 2026-03-14 10:30."


class SiteForm(PortalForm):
    fei_number = TrimmedStringField(
        "FEI number",
        description="FDA Establishment Identifier: digits only, for example 3004561553.",
        validators=[InputRequired("Enter the FEI number."), Length(max=15)],
    )
    legal_name = TrimmedStringField(
        "Legal name", validators=[InputRequired("Enter the site's legal name."), Length(max=300)]
    )
    address_line1 = TrimmedStringField("Address", validators=[Length(max=300)])
    city = TrimmedStringField("City", validators=[Length(max=120)])
    state = TrimmedStringField("State or province", validators=[Length(max=120)])
    postal_code = TrimmedStringField("ZIP or postal code", validators=[Length(max=20)])
    country = TrimmedStringField("Country", validators=[Length(max=120)])
    submit = SubmitField("Save site")

    def validate_fei_number(self, field):
        if problem := fei_problem(field.data or ""):
            raise ValidationError(problem)


class ContactForm(PortalForm):
    name = TrimmedStringField(
        "Name", validators=[InputRequired("Enter the contact's name."), Length(max=120)]
    )
    title = TrimmedStringField("Job title", validators=[Length(max=120)])
    email = TrimmedStringField(
        "Email address",
        description="The invitation letter goes to this address.",
        validators=[Length(max=254)],
    )
    phone = TrimmedStringField("Phone", validators=[Length(max=40)])
    submit = SubmitField("Save contact")

    def validate_email(self, field):
        if field.data and (problem := email_problem(field.data)):
            raise ValidationError(problem)


class ProductForm(PortalForm):
    name = TrimmedStringField(
        "Finished drug product",
        description="For example: Atropine Sulfate Injection.",
        validators=[InputRequired("Enter the product's name."), Length(max=300)],
    )
    shortage_vulnerable = BooleanField(
        "Shortage-vulnerable: a supply disruption would result in higher risk to patients"
    )
    vulnerability_note = FormattedTextField(
        "Why",
        description="Your evidence, for example the shortage history or the patients affected.",
        validators=[RequiredByService("when you flag the product"), Length(max=4000)],
    )
    submit = SubmitField("Save product")


PRODUCT_TYPES = ("Drugs", "Biologics", "Devices")


class RegulatoryActionForm(PortalForm):
    action_type = SelectField(
        "Kind of action",
        choices=choices([("", "Choose…")] + [(t, t) for t in REGULATORY_ACTION_TYPES]),
        validators=[InputRequired("Choose the kind of action.")],
    )
    action_date = FriendlyDateField(
        "Date of the action", validators=[InputRequired("Enter the date of the action.")]
    )
    case_id = TrimmedStringField("Case or injunction ID", validators=[Optional(), Length(max=32)])
    product_type = SelectField(
        "Product type",
        choices=choices([("", "Not stated")] + [(t, t) for t in PRODUCT_TYPES]),
        validators=[Optional()],
    )
    submit = SubmitField("Record the action")

    def validate_action_type(self, field):
        if field.data not in REGULATORY_ACTION_TYPES:
            raise ValidationError("Choose one of the kinds listed.")


class CloseActionForm(PortalForm):
    closed_on = FriendlyDateField(
        "Date closed", validators=[InputRequired("Enter the date the action was closed.")]
    )
    note = FormattedTextField(
        "How it was closed",
        description="For example: close-out letter issued after the firm's corrective actions.",
        validators=[InputRequired("Write how the action was closed."), Length(max=4000)],
    )
    submit = SubmitField("Record as closed")


class OverrideForm(PortalForm):
    verdict = RadioField(
        "FDA's verdict",
        choices=choices([("eligible", "Eligible"), ("not_eligible", "Not eligible")]),
        validators=[InputRequired("Choose eligible or not eligible.")],
    )
    reason = TextAreaField(
        "Reason",
        description="Kept with the site and in the audit log.",
        validators=[
            InputRequired("Write why you are overriding the computed verdict."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Save override")


class CallForm(PortalForm):
    called_at = FriendlyDateTimeField(
        "When",
        validators=[InputRequired("Enter when the call was made.")],
    )
    caller = SelectField("Who called", validators=[InputRequired("Choose who called.")])
    outcome = RadioField(
        "Outcome",
        choices=choices([(o.value, o.label) for o in ContactOutcome]),
        validators=[InputRequired("Choose the outcome of the call.")],
    )
    person_reached = TrimmedStringField(
        "Person reached",
        description=(
            "Name and role of the person you spoke with; for a message, who it was left for."
        ),
        validators=[
            RequiredWhen(
                "outcome",
                ContactOutcome.REACHED.value,
                "when the outcome is \u201cSpoke with the site\u201d",
                "Enter the name of the person you spoke with.",
            ),
            Length(max=200),
        ],
    )
    notes = FormattedTextField("Notes", validators=[Length(max=4000)])
    submit = SubmitField("Log the call")


ELIGIBILITY_FILTERS = (
    ("", "Any"),
    ("eligible", "Eligible"),
    ("not_eligible", "Not eligible"),
    ("overridden", "Overridden by FDA"),
)
NOT_INVITED = "none"


class SiteSearchForm(PortalForm):
    """Read from the query string (GET), so searches can be bookmarked and shared."""

    class Meta:
        csrf = False

    q = TrimmedStringField("FEI number or name", validators=[Optional(), Length(max=120)])
    country = SelectField("Country", validators=[Optional()])
    eligibility = SelectField(
        "Eligibility", choices=choices(ELIGIBILITY_FILTERS), validators=[Optional()]
    )
    invitation = SelectField("Invitation", validators=[Optional()])
    archived = BooleanField("Include archived sites")


class CloseOldActionsForm(PortalForm):
    """Close one or many of the listed old open actions with one reason (SPEC 2)."""

    #: The ticked actions' public ids; the view sets the choices to the listed page.
    actions = SelectMultipleField("Actions to close", validate_choice=False)
    closed_on = FriendlyDateField(
        "Date closed",
        description="The day FDA closed them, for example the close-out letter's date.",
        validators=[InputRequired("Enter the date the actions were closed.")],
    )
    reason = FormattedTextField(
        "Reason",
        description="Kept on each action and in the audit log, for example: "
        "close-out letter found in the case file.",
        validators=[InputRequired("Write why these actions are closed."), Length(max=4000)],
    )
    submit = SubmitField("Close the ticked actions")

    def validate_actions(self, field):
        if not field.data:
            raise ValidationError("Tick at least one action to close.")
        allowed = {choice.value for choice in field.choices or []}
        if any(value not in allowed for value in field.data):
            raise ValidationError("Tick only actions listed on this page.")
