"""Forms of the firm's pages."""

from __future__ import annotations

from wtforms import SubmitField
from wtforms.validators import Email, InputRequired, Length

from portal.forms import PortalForm, TrimmedStringField


class InviteColleagueForm(PortalForm):
    full_name = TrimmedStringField(
        "Colleague's full name",
        validators=[InputRequired("Enter your colleague's name."), Length(max=120)],
    )
    title = TrimmedStringField("Job title", validators=[Length(max=120)])
    email = TrimmedStringField(
        "Email address",
        description="They get an email with a link to choose their password.",
        validators=[
            InputRequired("Enter your colleague's email address."),
            Length(max=254),
            Email("Enter an email address like name@example.com."),
        ],
    )
    submit = SubmitField("Invite colleague")
