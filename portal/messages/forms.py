"""The forms of an engagement's thread and of a person's notice preference."""

from __future__ import annotations

from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.documents.forms import documents_field
from portal.forms import FormattedTextField, PortalForm, choices
from portal.messages.models import BODY_MAX, NoticeMode


class MessageForm(PortalForm):
    body = FormattedTextField(
        "Your message",
        validators=[InputRequired("Write your message before sending it."), Length(max=BODY_MAX)],
        description="Everyone on the thread reads it: the firm's users and FDA staff.",
    )
    documents = documents_field("Documents")
    submit = SubmitField("Send the message")


class NoteForm(PortalForm):
    body = FormattedTextField(
        "Internal note",
        validators=[InputRequired("Write your note before adding it."), Length(max=BODY_MAX)],
        description="FDA staff only: the firm never sees internal notes.",
    )
    documents = documents_field("Documents for FDA only")
    submit = SubmitField("Add the internal note")


class NoticePreferenceForm(PortalForm):
    mode = RadioField(
        "How should we tell you of new messages?",
        choices=choices([(mode.value, mode.label) for mode in NoticeMode]),
        validators=[InputRequired("Choose immediate emails or a daily digest.")],
        description="Emails name the engagement and link to it; the messages stay in the portal.",
    )
    submit = SubmitField("Save")
