"""The search form: read from the query string (GET), so a search can be bookmarked."""

from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import PortalForm, TrimmedStringField, choices
from portal.questions.models import CGMP_TOPICS
from portal.search.models import EntryKind
from portal.search.text import QUERY_MAX


class SearchForm(PortalForm):
    class Meta:
        csrf = False

    q = TrimmedStringField(
        "Words to find",
        description='Every word must appear; a word also finds longer ones ("fill" finds '
        '"fills"). Put words in double quotes to find them together.',
        validators=[Optional(), Length(max=QUERY_MAX)],
    )
    kind = SelectField(
        "Kind",
        choices=choices([("", "Everything")] + [(k.value, k.label) for k in EntryKind]),
        validators=[Optional()],
    )
    topic = SelectField(
        "Question topic",
        choices=choices([("", "Any topic")] + list(CGMP_TOPICS)),
        validators=[Optional()],
    )
    date_from = DateField("From (date)", validators=[Optional()])
    date_to = DateField("To (date)", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be on or after the start date.")


class FdaSearchForm(SearchForm):
    """FDA searches every firm's texts, or one firm's."""

    firm = SelectField("Firm", validators=[Optional()])
