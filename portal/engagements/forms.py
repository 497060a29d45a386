"""Forms of FDA's engagement pages."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import PortalForm, TrimmedStringField, choices

STATUS_CHOICES = (("active", "Active"), ("closed", "Closed"), ("all", "Any status"))


class EngagementFilterForm(PortalForm):
    """The list's filters: read from the query string, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False

    q = TrimmedStringField(
        "Site, FEI number or firm",
        validators=[Optional(), Length(max=200)],
    )
    status = SelectField("Status", choices=choices(STATUS_CHOICES), default="active")
    flagged = BooleanField("Only engagements flagged by a regulatory action")
    submit = SubmitField("Filter")


class CloseEngagementForm(PortalForm):
    reason = TextAreaField(
        "Why is the engagement closed?",
        description="Kept with the engagement and emailed to the firm's portal users.",
        validators=[InputRequired("Say why the engagement is closed."), Length(max=2000)],
    )
    submit = SubmitField("Close the engagement")


class FdaLeadForm(PortalForm):
    """The engagement's FDA lead; choices are the active FDA staff."""

    lead = SelectField(
        "FDA lead",
        description="New questions from the firm are assigned to the lead.",
        validate_choice=False,
    )
    submit = SubmitField("Save the FDA lead")
