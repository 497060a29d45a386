"""The kinds of survey question, how a question is written down, and the shipped questions."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.feedback.models import SurveyQuestionKind

KIND_LABELS = {
    SurveyQuestionKind.RATING: "Rating from 1 to 5",
    SurveyQuestionKind.YES_NO: "Yes or no",
    SurveyQuestionKind.TEXT: "Written answer",
}


@dataclass
class QuestionSpec:
    """A question as the program manager writes it, before it is stored."""

    kind: SurveyQuestionKind
    prompt: str
    help_text: str = ""
    required: bool = True
    #: Five labels, for 1 to 5; the two ends are required for a rating question.
    labels: list[str] = field(default_factory=lambda: [""] * 5)


#: The shipped questions: what the program wants to learn from each meeting (SPEC 10, 12).
DEFAULT_QUESTIONS = (
    QuestionSpec(
        SurveyQuestionKind.RATING,
        "How clear were FDA's expectations for your site after this meeting?",
        "Think of the CGMP topics and questions discussed.",
        True,
        ["Not clear at all", "Slightly clear", "Moderately clear", "Clear", "Very clear"],
    ),
    QuestionSpec(
        SurveyQuestionKind.RATING,
        "How useful was the meeting for your site's quality work?",
        "",
        True,
        ["Not useful", "Slightly useful", "Moderately useful", "Useful", "Very useful"],
    ),
    QuestionSpec(
        SurveyQuestionKind.YES_NO,
        "Will your site act on what it learned in this meeting?",
        "For example a corrective or preventive action, or a change to a procedure.",
        True,
    ),
    QuestionSpec(
        SurveyQuestionKind.TEXT,
        "What should FDA do differently to make these meetings more useful?",
        "Anything about the preparation, the agenda, the people in the room or the follow-up.",
        False,
    ),
)
