"""Forms of the feedback pages: survey templates, answering a survey, filtering results."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.feedback.models import FeedbackAnswer, SurveyQuestion, SurveyQuestionKind
from portal.feedback.services import TEXT_ANSWER_MAX
from portal.feedback.shipped import KIND_LABELS
from portal.feedback.survey_templates import HELP_MAX, LABEL_MAX, PROMPT_MAX
from portal.forms import FormattedTextField, PortalForm, TrimmedStringField, choices


class TemplateNameForm(PortalForm):
    name = TrimmedStringField(
        "Template name",
        validators=[Length(max=200)],
        description="Firms do not see it; it tells templates apart on this page.",
    )
    submit = SubmitField("Save name")


class NewTemplateForm(TemplateNameForm):
    submit = SubmitField("Create template")


class QuestionForm(PortalForm):
    prompt = TrimmedStringField(
        "Question",
        validators=[Length(max=PROMPT_MAX)],
        description="As firms will read it, for example “How useful was the meeting?”",
    )
    kind = SelectField(
        "Kind of answer",
        choices=choices([(kind.value, label) for kind, label in KIND_LABELS.items()]),
    )
    help_text = TextAreaField(
        "Help text",
        validators=[Optional(), Length(max=HELP_MAX)],
        description="Shown under the question. Leave empty if the question speaks for itself.",
    )
    required = BooleanField(
        "Firms must answer this question",
        description="Leave unticked to make the question optional.",
    )
    label_1 = TrimmedStringField(
        "Label for 1 (lowest)",
        validators=[Length(max=LABEL_MAX)],
        description="For ratings only. For example “Not useful”.",
    )
    label_2 = TrimmedStringField("Label for 2", validators=[Length(max=LABEL_MAX)])
    label_3 = TrimmedStringField("Label for 3", validators=[Length(max=LABEL_MAX)])
    label_4 = TrimmedStringField("Label for 4", validators=[Length(max=LABEL_MAX)])
    label_5 = TrimmedStringField(
        "Label for 5 (highest)",
        validators=[Length(max=LABEL_MAX)],
        description="For ratings only. For example “Very useful”.",
    )
    submit = SubmitField("Save question")

    @property
    def labels(self) -> list[str]:
        return [self[f"label_{n}"].data or "" for n in range(1, 6)]

    def fill_from(self, question: SurveyQuestion) -> None:
        self.prompt.data = question.prompt
        self.kind.data = question.kind.value
        self.help_text.data = question.help_text
        self.required.data = question.required
        for number, label in enumerate(question.labels, start=1):
            self[f"label_{number}"].data = label


class PositionForm(PortalForm):
    """A question chosen by its place in the version (questions have no id in URLs)."""

    position = IntegerField(validators=[Optional()])
    direction = HiddenField()


class FiscalYearForm(PortalForm):
    """The results filter: a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    year = SelectField("Fiscal year", validators=[Optional()])
    submit = SubmitField("Show")


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.id}"


def rating_choices(question: SurveyQuestion) -> list:
    return choices(
        (str(point), f"{point} – {label}" if label else str(point))
        for point, label in enumerate(question.labels, start=1)
    )


def answer_data(question: SurveyQuestion, answer: FeedbackAnswer | None) -> str | None:
    """A stored answer as the form field holds it."""
    if answer is None:
        return None
    if question.kind == SurveyQuestionKind.RATING:
        return None if answer.rating is None else str(answer.rating)
    if question.kind == SurveyQuestionKind.YES_NO:
        return None if answer.yes_no is None else ("yes" if answer.yes_no else "no")
    return answer.text


def response_form(
    questions: list[SurveyQuestion], answers: dict[int, FeedbackAnswer], **kwargs
) -> PortalForm:
    """A form with one field per question of the survey's template version.

    The form only reads what was posted; which answers are required, and what
    a valid one is, is decided by feedback.services.validate_answers.
    """

    class ResponseForm(PortalForm):
        submit = SubmitField("Save your answers")

    for question in questions:
        options = {"description": question.help_text, "validators": [Optional()]}
        if question.kind == SurveyQuestionKind.RATING:
            field = RadioField(
                question.prompt, choices=rating_choices(question), validate_choice=False, **options
            )
        elif question.kind == SurveyQuestionKind.YES_NO:
            field = RadioField(
                question.prompt,
                choices=choices([("yes", "Yes"), ("no", "No")]),
                validate_choice=False,
                **options,
            )
        else:
            options["validators"] = [Optional(), Length(max=TEXT_ANSWER_MAX)]
            field = FormattedTextField(question.prompt, **options)
        setattr(ResponseForm, field_name(question), field)

    if "formdata" not in kwargs:
        kwargs["data"] = {
            field_name(question): answer_data(question, answers.get(question.id))
            for question in questions
        }
    form = ResponseForm(**kwargs)
    for question in questions:
        # Shown as "(optional)" or not by the field macro; enforced by the service.
        form[field_name(question)].flags.required = question.required
    return form
