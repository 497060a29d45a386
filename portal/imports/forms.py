"""The upload form shared by the three import pages."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from portal.forms import PortalForm, choices
from portal.imports.models import MatchStatus

#: What the upload accepts by name; the content is checked again by the importer.
CSV_SUFFIXES = (".csv", ".txt")


class UploadForm(PortalForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose the CSV file to upload.")],
    )
    submit = SubmitField("Upload and import")

    def validate_file(self, field):
        name = (field.data.filename or "").lower() if field.data else ""
        if name and not name.endswith(CSV_SUFFIXES):
            raise ValidationError(
                "Choose a file ending in .csv. A spreadsheet (.xlsx) must first be saved "
                "as “CSV UTF-8”."
            )


class MatchFilterForm(PortalForm):
    class Meta:
        csrf = False

    status = SelectField(
        "Show",
        choices=choices(
            [(s.value, f"{s.value.capitalize()} matches") for s in MatchStatus] + [("all", "All")]
        ),
        default=MatchStatus.PROPOSED.value,
        validators=[Optional()],
    )
