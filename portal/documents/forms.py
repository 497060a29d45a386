"""The documents field every record's form carries, and the withdrawal form."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.documents.models import REASON_MAX
from portal.documents.sniff import ACCEPTED_LABELS
from portal.forms import PortalForm


def documents_field(label: str = "Documents") -> MultipleFileField:
    """A plain file input taking several files: works without JavaScript."""
    return MultipleFileField(
        label,
        description=f"{ACCEPTED_LABELS}. You can choose several files at once.",
    )


class WithdrawDocumentForm(PortalForm):
    reason = TextAreaField(
        "Why is it withdrawn?",
        description="Kept with the document for FDA's record.",
        validators=[InputRequired("Say why the document is withdrawn."), Length(max=REASON_MAX)],
    )
    submit = SubmitField("Withdraw the document")
