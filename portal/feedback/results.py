"""What firms said, for FDA staff: per meeting and across the program (SPEC 10, 12).

Figures are computed by the database (counts, sums, one CASE per rating point),
so a page costs the same few queries for ten responses or ten thousand.
Answers to the same wording of a question are counted together, across
template versions: a version that only reorders or adds questions does not
split a question's figures in two.

A meeting belongs to the federal fiscal year of its date in the program's home
zone (America/New_York, where the program is run): FY N runs from 1 October
of N-1 to 30 September of N.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from portal.auth.models import Firm, User
from portal.extensions import db
from portal.feedback.models import (
    FeedbackAnswer,
    FeedbackResponse,
    MeetingSurvey,
    SurveyQuestion,
    SurveyQuestionKind,
)
from portal.meetings.models import Meeting
from portal.metrics.period import Period, fiscal_year_of

POINTS = (1, 2, 3, 4, 5)


def fiscal_year_window(year: int) -> tuple[datetime, datetime]:
    """[start, end) of fiscal year ``year`` in UTC: the dashboard's ``Period``, not a second one."""
    period = Period.for_fiscal_year(year)
    return period.start.astimezone(UTC), period.end.astimezone(UTC)


def in_feedback_period(period: Period) -> ColumnElement[bool]:
    """Feedback belongs to the period of the meeting it is about (issue 11).

    The one definition, for this page and the dashboard alike: the meeting's start, which
    is also what counts the meeting as held in that year, and not the moment FDA marked it
    held (a meeting recorded after the fact would otherwise move into a later year).
    """
    return period.contains(Meeting.starts_at)


def _in_year(stmt: Select, year: int | None) -> Select:
    if year is None:
        return stmt
    return stmt.where(in_feedback_period(Period.for_fiscal_year(year)))


def _answers(*columns) -> Select:
    """Answers joined to their question, response, survey and meeting (whose date sets the year)."""
    return (
        select(*columns)
        .select_from(FeedbackAnswer)
        .join(SurveyQuestion, SurveyQuestion.id == FeedbackAnswer.question_id)
        .join(FeedbackResponse, FeedbackResponse.id == FeedbackAnswer.response_id)
        .join(MeetingSurvey, MeetingSurvey.id == FeedbackResponse.survey_id)
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
    )


def _answers_of(kind: SurveyQuestionKind, year: int | None, *columns) -> Select:
    return _in_year(_answers(*columns).where(SurveyQuestion.kind == kind), year)


def available_years() -> list[int]:
    """Fiscal years that have at least one surveyed meeting, newest first (one query)."""
    earliest, latest = db.session.execute(
        select(func.min(Meeting.starts_at), func.max(Meeting.starts_at)).join(
            MeetingSurvey, MeetingSurvey.meeting_id == Meeting.id
        )
    ).one()
    if earliest is None:
        return []
    first, last = fiscal_year_of(earliest), fiscal_year_of(latest)
    return list(range(last, first - 1, -1))


@dataclass
class Totals:
    surveys: int
    responses: int


def totals(year: int | None) -> Totals:
    surveys = _in_year(
        select(func.count(MeetingSurvey.id)).join(Meeting, Meeting.id == MeetingSurvey.meeting_id),
        year,
    ).scalar_subquery()
    responses = _in_year(
        select(func.count(FeedbackResponse.id))
        .join(MeetingSurvey, MeetingSurvey.id == FeedbackResponse.survey_id)
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id),
        year,
    ).scalar_subquery()
    row = db.session.execute(select(surveys, responses)).one()
    return Totals(surveys=row[0] or 0, responses=row[1] or 0)


@dataclass
class RatingFigures:
    """One rating question across the program: how many answered, the mean, the spread 1-5."""

    prompt: str
    count: int
    total: int
    distribution: list[int]
    labels: list[str] = field(default_factory=lambda: [""] * 5)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def share(self, point: int) -> float:
        """Percentage of answers giving ``point``."""
        return 100 * self.distribution[point - 1] / self.count if self.count else 0.0


def rating_figures(year: int | None) -> list[RatingFigures]:
    """Count, sum and distribution of every rating question (two queries whatever the data)."""
    counts = [
        func.sum(case((FeedbackAnswer.rating == point, 1), else_=0)).label(f"n{point}")
        for point in POINTS
    ]
    stmt = (
        _answers_of(
            SurveyQuestionKind.RATING,
            year,
            SurveyQuestion.prompt,
            func.min(SurveyQuestion.position).label("first_position"),
            func.max(SurveyQuestion.id).label("latest_question"),
            func.count(FeedbackAnswer.rating).label("answered"),
            func.coalesce(func.sum(FeedbackAnswer.rating), 0).label("total"),
            *counts,
        )
        .where(FeedbackAnswer.rating.is_not(None))
        .group_by(SurveyQuestion.prompt)
        .order_by("first_position", SurveyQuestion.prompt)
    )
    rows = db.session.execute(stmt).all()
    labels: dict[int, list[str]] = {}
    if rows:
        latest = select(SurveyQuestion).where(
            SurveyQuestion.id.in_([row.latest_question for row in rows])
        )
        labels = {question.id: question.labels for question in db.session.scalars(latest)}
    return [
        RatingFigures(
            prompt=row.prompt,
            count=int(row.answered),
            total=int(row.total),
            distribution=[int(getattr(row, f"n{point}") or 0) for point in POINTS],
            labels=labels.get(row.latest_question, [""] * 5),
        )
        for row in rows
    ]


@dataclass
class YesNoFigures:
    prompt: str
    count: int
    yes: int

    @property
    def no(self) -> int:
        return self.count - self.yes

    @property
    def yes_share(self) -> float:
        return 100 * self.yes / self.count if self.count else 0.0

    @property
    def no_share(self) -> float:
        return 100 * self.no / self.count if self.count else 0.0


def yes_no_figures(year: int | None) -> list[YesNoFigures]:
    stmt = (
        _answers_of(
            SurveyQuestionKind.YES_NO,
            year,
            SurveyQuestion.prompt,
            func.min(SurveyQuestion.position).label("first_position"),
            func.count(FeedbackAnswer.yes_no).label("answered"),
            func.sum(case((FeedbackAnswer.yes_no.is_(True), 1), else_=0)).label("yes"),
        )
        .where(FeedbackAnswer.yes_no.is_not(None))
        .group_by(SurveyQuestion.prompt)
        .order_by("first_position", SurveyQuestion.prompt)
    )
    return [
        YesNoFigures(prompt=row.prompt, count=int(row.answered), yes=int(row.yes or 0))
        for row in db.session.execute(stmt)
    ]


def text_answers(year: int | None) -> Select:
    """Every written answer, newest meeting first, with who gave it and their firm (paginate it)."""
    return (
        _answers_of(
            SurveyQuestionKind.TEXT,
            year,
            FeedbackAnswer.text,
            SurveyQuestion.prompt,
            Meeting.starts_at,
            Firm.name.label("firm_name"),
            User.full_name.label("respondent"),
            MeetingSurvey.public_id.label("survey_public_id"),
        )
        .join(Firm, Firm.id == MeetingSurvey.firm_id)
        .join(User, User.id == FeedbackResponse.user_id)
        .where(FeedbackAnswer.text.is_not(None), FeedbackAnswer.text != "")
        .order_by(Meeting.starts_at.desc(), FeedbackAnswer.id)
    )


def surveys_overview(year: int | None) -> Select:
    """Each surveyed meeting with its firm and number of responses, newest first (paginate it)."""
    responses = (
        select(func.count(FeedbackResponse.id))
        .where(FeedbackResponse.survey_id == MeetingSurvey.id)
        .correlate(MeetingSurvey)
        .scalar_subquery()
    )
    stmt = (
        select(MeetingSurvey, Meeting, Firm.name.label("firm_name"), responses.label("responses"))
        .join(Meeting, Meeting.id == MeetingSurvey.meeting_id)
        .join(Firm, Firm.id == MeetingSurvey.firm_id)
        .order_by(Meeting.starts_at.desc(), MeetingSurvey.id)
    )
    return _in_year(stmt, year)


CSV_HEADER = [
    "fiscal_year",
    "meeting_start_utc",
    "firm",
    "respondent",
    "respondent_email",
    "submitted_at_utc",
    "last_changed_at_utc",
    "question_position",
    "question",
    "question_kind",
    "answer",
]


def _answer_text(kind: SurveyQuestionKind, answer: FeedbackAnswer) -> str:
    if kind == SurveyQuestionKind.RATING:
        return "" if answer.rating is None else str(answer.rating)
    if kind == SurveyQuestionKind.YES_NO:
        return "" if answer.yes_no is None else ("yes" if answer.yes_no else "no")
    return answer.text or ""


def csv_rows(year: int | None) -> Iterator[list[str]]:
    """One row per answer, streamed from the database in batches."""
    stmt = _in_year(
        _answers(
            FeedbackAnswer,
            SurveyQuestion.kind,
            SurveyQuestion.position,
            SurveyQuestion.prompt,
            FeedbackResponse.submitted_at,
            FeedbackResponse.updated_at,
            Meeting.starts_at,
            Firm.name,
            User.full_name,
            User.email,
        )
        .join(Firm, Firm.id == MeetingSurvey.firm_id)
        .join(User, User.id == FeedbackResponse.user_id)
        .order_by(Meeting.starts_at, FeedbackResponse.id, SurveyQuestion.position),
        year,
    ).execution_options(yield_per=500)
    for row in db.session.execute(stmt):
        answer, kind, position, prompt, submitted, changed, starts, firm, name, email = row
        yield [
            str(fiscal_year_of(starts)),
            starts.isoformat(),
            firm,
            name,
            email,
            submitted.isoformat(),
            changed.isoformat(),
            str(position),
            prompt,
            kind.value,
            _answer_text(kind, answer),
        ]
