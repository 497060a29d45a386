"""The forms of a meeting's record: FDA's record, its publication, the firm's comment."""

from __future__ import annotations

from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.documents.forms import documents_field
from portal.forms import FormattedTextField, PortalForm, TrimmedStringField, choices
from portal.meetings.forms import DayField
from portal.minutes.models import TEXT_MAX
from portal.minutes.services import COMMENT_MAX, Guest, NewFollowUp

#: Blank follow-up rows offered each time the record is saved (more on the next save).
NEW_FOLLOW_UP_ROWS = 3


class RecordForm(PortalForm):
    """The record FDA writes; the view fills in the people and questions to tick."""

    attendees = SelectMultipleField(
        "Who attended",
        coerce=int,
        validate_choice=False,
        description="Tick the firm's and FDA's people who took part.",
    )
    guests = TextAreaField(
        "Guests without a portal account",
        description="One a line: name; organization; title. "
        "For example: Dana Ortiz; Ortiz Consulting; Validation advisor.",
        validators=[Optional(), Length(max=6000)],
    )
    summary = FormattedTextField("Summary", validators=[Optional(), Length(max=TEXT_MAX)])
    topics = FormattedTextField(
        "Topics",
        description="What was discussed, one item each.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    questions = SelectMultipleField(
        "Questions discussed",
        coerce=int,
        validate_choice=False,
        description="Each question ticked shows \u201cDiscussed at the meeting\u201d to the firm.",
    )
    outcomes = FormattedTextField(
        "Outcomes",
        description="What was agreed or concluded.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    submit = SubmitField("Save the draft")

    def guest_list(self) -> list[Guest]:
        guests = []
        for line in (self.guests.data or "").splitlines():
            parts = [part.strip() for part in line.split(";")]
            if not any(parts):
                continue
            parts += ["", ""]
            guests.append(Guest(parts[0], parts[1], "; ".join(p for p in parts[2:] if p)))
        return guests

    def new_follow_ups(self) -> list[NewFollowUp]:
        return [
            NewFollowUp(
                getattr(self, f"follow_up_{n}_description").data or "",
                getattr(self, f"follow_up_{n}_owner").data or "",
                getattr(self, f"follow_up_{n}_due").data,
            )
            for n in range(1, NEW_FOLLOW_UP_ROWS + 1)
        ]

    def follow_up_rows(self):
        return [
            (
                getattr(self, f"follow_up_{n}_description"),
                getattr(self, f"follow_up_{n}_owner"),
                getattr(self, f"follow_up_{n}_due"),
            )
            for n in range(1, NEW_FOLLOW_UP_ROWS + 1)
        ]


for _n in range(1, NEW_FOLLOW_UP_ROWS + 1):
    setattr(
        RecordForm,
        f"follow_up_{_n}_description",
        TextAreaField(f"Follow-up {_n}: what", validators=[Optional(), Length(max=2000)]),
    )
    setattr(
        RecordForm,
        f"follow_up_{_n}_owner",
        TrimmedStringField(f"Follow-up {_n}: owner", validators=[Optional(), Length(max=120)]),
    )
    setattr(
        RecordForm,
        f"follow_up_{_n}_due",
        DayField(
            f"Follow-up {_n}: due",
            invalid_value_message="Enter the date like 2026-03-14.",
            validators=[Optional()],
        ),
    )


class PublishForm(PortalForm):
    note = TextAreaField(
        "What changed, for the firm",
        description="Needed for a revision: the firm reads it beside the new version.",
        validators=[Optional(), Length(max=2000)],
    )
    documents = documents_field("Documents to publish with it")
    submit = SubmitField("Publish to the firm")


class QualityActionForm(PortalForm):
    kind = RadioField(
        "Kind of action",
        choices=choices([("corrective", "Corrective"), ("preventive", "Preventive")]),
        validators=[InputRequired("Choose corrective or preventive.")],
    )
    submit = SubmitField("Make it a quality action")


class CommentForm(PortalForm):
    body = FormattedTextField(
        "Your comment",
        description="FDA reads it beside the record.",
        validators=[InputRequired("Write your comment."), Length(max=COMMENT_MAX)],
    )
    submit = SubmitField("Send the comment to FDA")
