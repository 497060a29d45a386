"""Forms of the quality-action pages."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.documents.forms import documents_field
from portal.forms import FormattedTextField, PortalForm, TrimmedStringField, choices
from portal.quality.models import ActionKind, ActionStatus
from portal.quality.services import DESCRIPTION_MAX, NOTE_MAX, OWNER_MAX, ActionDetails


class ActionForm(PortalForm):
    kind = RadioField(
        "Kind of action",
        choices=choices(
            [
                (ActionKind.CORRECTIVE.value, "Corrective: fixes a problem that has happened"),
                (ActionKind.PREVENTIVE.value, "Preventive: stops a problem before it happens"),
            ]
        ),
        validators=[InputRequired(message="Choose corrective or preventive.")],
    )
    description = FormattedTextField(
        "What will be done",
        validators=[Length(max=DESCRIPTION_MAX)],
        description="What will change, and what it is meant to fix or prevent.",
    )
    owner_name = TrimmedStringField(
        "Owner at the firm",
        validators=[Length(max=OWNER_MAX)],
        description="The person responsible for seeing it through, for example “J. Rivera, "
        "Validation Lead”.",
    )
    target_date = DateField(
        "Target date",
        validators=[Optional()],
        description="When it should be completed. After this date it is shown as overdue.",
    )
    meeting = SelectField("Meeting it arose from", validators=[Optional()])
    question = SelectField("Question it arose from", validators=[Optional()])
    submit = SubmitField("Save the action")

    def details(self) -> ActionDetails:
        return ActionDetails(
            kind=self.kind.data or "",
            description=self.description.data or "",
            owner_name=self.owner_name.data or "",
            target_date=self.target_date.data,
            meeting=self.meeting.data or "",
            question=self.question.data or "",
        )

    def set_links(self, meetings, questions, local_label) -> None:
        """Choices: the engagement's own meetings and questions only."""
        self.meeting.choices = choices(
            [("", "None")] + [(str(m.public_id), local_label(m.starts_at)) for m in meetings]
        )
        self.question.choices = choices(
            [("", "None")] + [(str(q.public_id), q.subject) for q in questions]
        )


class TransitionForm(PortalForm):
    to = HiddenField()
    note = FormattedTextField("Note", validators=[Length(max=NOTE_MAX)])
    submit = SubmitField("Confirm")


class EvidenceForm(PortalForm):
    evidence_date = DateField(
        "Date of the evidence",
        validators=[Optional()],
        description="For example the day the revised procedure took effect.",
    )
    note = FormattedTextField(
        "Evidence",
        validators=[Length(max=NOTE_MAX)],
        description="What was done and where the record is: document numbers, batch records, "
        "training records.",
    )
    documents = documents_field("Documents that show it")
    submit = SubmitField("Add the evidence note")


class CommentForm(PortalForm):
    note = FormattedTextField(
        "Comment", validators=[Length(max=NOTE_MAX)], description="The firm is emailed."
    )
    submit = SubmitField("Add the comment")


STATUS_FILTER = [("", "Any status")] + [(s.value, s.label) for s in ActionStatus]


class ActionFilterForm(PortalForm):
    """The list filter: a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=choices(STATUS_FILTER), validators=[Optional()])
    kind = SelectField(
        "Kind",
        choices=choices([("", "Either kind")] + [(k.value, k.label) for k in ActionKind]),
        validators=[Optional()],
    )
    firm = SelectField("Firm", validators=[Optional()])
    overdue = BooleanField("Only overdue actions")
    submit = SubmitField("Filter")
