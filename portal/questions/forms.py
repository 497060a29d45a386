"""Forms for asking, editing and answering questions (SPEC 8)."""

from __future__ import annotations

from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.auth.models import User
from portal.documents.forms import documents_field
from portal.forms import (
    FormattedTextField,
    PortalForm,
    RequiredByService,
    TrimmedStringField,
    choices,
)
from portal.questions.models import CGMP_TOPICS, QuestionStatus
from portal.questions.services import BODY_MAX, NOTE_MAX, SUBJECT_MAX


class QuestionFields(PortalForm):
    subject = TrimmedStringField(
        "Subject",
        description="A few words FDA can file the question under.",
        validators=[InputRequired("Give the question a short subject."), Length(max=SUBJECT_MAX)],
    )
    topic = SelectField(
        "CGMP topic",
        choices=choices([("", "Choose a topic"), *CGMP_TOPICS]),
        validators=[InputRequired("Choose the CGMP topic the question is about.")],
    )
    body = FormattedTextField(
        "Your question",
        validators=[InputRequired("Write the question itself."), Length(max=BODY_MAX)],
    )
    documents = documents_field("Documents for FDA")

    def question_text(self) -> dict[str, str]:
        """Subject, topic and body, as submit_question and edit_question take them."""
        return {
            "subject": self.subject.data,
            "topic": self.topic.data,
            "body": self.body.data,
            "files": self.documents.data,
        }


class AskQuestionForm(QuestionFields):
    meeting = SelectField(
        "Meeting",
        description="The meeting at which FDA should take up the question.",
        validate_choice=False,
        validators=[InputRequired("Choose the meeting the question is for.")],
    )
    submit = SubmitField("Send the question to FDA")


class EditQuestionForm(QuestionFields):
    submit = SubmitField("Save changes")


class ResponseForm(PortalForm):
    status = RadioField(
        "Status",
        choices=choices((s.value, s.label) for s in QuestionStatus),
        validators=[InputRequired("Choose the question's status.")],
    )
    response = FormattedTextField(
        "Written response",
        validators=[
            RequiredByService("for \u201cAnswered in writing\u201d"),
            Optional(),
            Length(max=BODY_MAX),
        ],
    )
    documents = documents_field("Documents with the answer")
    submit = SubmitField("Save and tell the firm when answered")


class AssignForm(PortalForm):
    """Which FDA colleague prepares the answer; choices are the active FDA staff."""

    assignee = SelectField(
        "Assigned to",
        description="Who at FDA prepares the answer. The firm is not told.",
        validate_choice=False,
    )
    submit = SubmitField("Assign")


class NoteForm(PortalForm):
    body = FormattedTextField(
        "Internal note",
        description="For FDA only: the firm never sees these notes.",
        validators=[InputRequired("Write the note."), Length(max=NOTE_MAX)],
    )
    #: Named apart from the response form's field: both forms share the question's page.
    note_documents = documents_field("Documents for FDA only")
    submit = SubmitField("Add the note")


def colleague_choices(colleagues: list[User], nobody: str) -> list:
    return choices([("", nobody)] + [(p.public_id, p.display_name) for p in colleagues])


def chosen_colleague(colleagues: list[User], value: str | None) -> User | None:
    """The colleague picked in a select list; None for "nobody" or a stale choice."""
    return next((p for p in colleagues if str(p.public_id) == (value or "")), None)
