from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import PortalForm, TrimmedStringField


class AuditSearchForm(PortalForm):
    """Read from the query string (GET), so searches can be bookmarked."""

    class Meta:
        csrf = False

    user = TrimmedStringField("Person (email contains)", validators=[Optional(), Length(max=254)])
    firm = SelectField("Firm", validators=[Optional()])
    action = TrimmedStringField(
        "Action (starts with)",
        description='For example "auth." or "question.view".',
        validators=[Optional(), Length(max=64)],
    )
    date_from = DateField("From (date)", validators=[Optional()])
    date_to = DateField("To (date)", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be on or after the start date.")
