from __future__ import annotations

from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm, TrimmedStringField


class NewTokenForm(PortalForm):
    name = TrimmedStringField(
        "Which system will use it",
        description='For example "FDA compliance data warehouse". Shown in the token list '
        "and the audit log.",
        validators=[
            DataRequired(message="Name the system that will use the token."),
            Length(max=120),
        ],
    )
