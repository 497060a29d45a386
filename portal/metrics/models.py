"""The version every change to the records behind the dashboard bumps.

The listeners that bump it are in ``freshness``, and the triggers that keep the summary
tables in ``summary``, both installed by ``portal.import_models``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class MetricsVersion(db.Model):
    """One row (id 1). Cached dashboard figures are keyed by (generation, counter)."""

    __tablename__ = "metrics_version"

    #: Always 1: there is one version for the whole program.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Random, set when the row is created: a recreated row never reuses an old key.
    generation: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Raised by one in the same transaction as every change that can move a figure.
    counter: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class MetricsDay(db.Model):
    """Per program day, the engagement figures that add up over days (SPEC 12).

    Kept by database triggers in the transaction of every change to a question, a
    meeting, a survey, a response, a person or the question deadline setting
    (``portal.metrics.summary``), so a period's figures are a sum over at most a few
    thousand rows, whatever the number of questions. Never written by the portal's
    code, except by ``flask metrics rebuild``.
    """

    __tablename__ = "metrics_day"

    #: A day in the program's zone (``metrics.period``), which is how periods are cut.
    day: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    #: Meetings held that started this day.
    meetings_held: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Questions (not withdrawn) of those meetings.
    questions_at_held: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Questions (not withdrawn) submitted this day...
    questions_submitted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: ...and of those, how many by their meeting's standard deadline (SPEC 8).
    questions_on_time: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Questions (not withdrawn) answered in writing this day.
    questions_answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Feedback surveys of meetings that started this day (held or not), their
    #: responses, and the people asked to answer them (``measures.asked_for_feedback``).
    surveys: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    survey_responses: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    people_asked: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class MetricsAnswer(db.Model):
    """Each question answered in writing (not withdrawn): its day and how long it took.

    Kept by the same triggers as ``MetricsDay``. The median time to answer of a
    period is read from the index in the order of ``days``: the middle row is an
    offset into it (the count comes from ``MetricsDay``), not a sort of every answer.
    """

    __tablename__ = "metrics_answer"
    __table_args__ = (
        Index("ix_metrics_answer_days_day", "days", "day"),
        # The answers of a period's first and last partial months (``summary.readers``).
        Index("ix_metrics_answer_day_days", "day", "days"),
    )

    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The program day it was answered (``MetricsDay.day``).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    #: Submission to written answer, in days (``metrics.sql.days_between``).
    days: Mapped[float] = mapped_column(Float, nullable=False)


class MetricsAnswerMonth(db.Model):
    """How many answers of each month took a given number of whole days (``bucket``).

    Kept by the question triggers beside ``MetricsAnswer``. The median time to answer
    of a period is then found in two small reads (``summary.readers``): the count per
    bucket (whole months from here, the partial months at the ends from
    ``metrics_answer``) says which bucket holds the middle answers, and an offset into
    that bucket's rows of ``metrics_answer`` gives their exact values.
    """

    __tablename__ = "metrics_answer_month"

    #: The first day of the month (program days) the answers were given in.
    day: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    #: The whole days each took: floor(``MetricsAnswer.days``).
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    answers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class MetricsActionTime(db.Model):
    """Each quality action's time to complete and to verify (SPEC 12), on the day of the step.

    Kept by triggers on ``quality_action`` (``portal.metrics.summary``). Like
    ``MetricsAnswer``: a period's median is an offset into the index in the order of
    ``days``, whose count is a range read of the index by day, instead of a rank of
    every action of the period by a window function.
    """

    __tablename__ = "metrics_action_time"
    __table_args__ = (
        Index("ix_metrics_action_time_step_days_day", "step", "days", "day"),
        Index("ix_metrics_action_time_step_day", "step", "day"),
    )

    action_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: "complete": opening to the firm's completion, on the completion's day;
    #: "verify": completion to FDA's verification, on the verification's day.
    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: The program day of the step (``MetricsDay.day``).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    #: In days (``metrics.sql.days_between``).
    days: Mapped[float] = mapped_column(Float, nullable=False)


class MetricsRating(db.Model):
    """Per program day of the meeting and rating question: its answers, their sum and how
    many gave each point (SPEC 10, 12). Kept by the same triggers."""

    __tablename__ = "metrics_rating"

    day: Mapped[date] = mapped_column(Date, primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    answers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_1: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_2: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_3: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_4: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rated_5: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class MetricsSite(db.Model):
    """Each site's eligibility verdict today (``sites.eligibility``), kept by the triggers
    of ``portal.metrics.summary`` with every change to a site, its products, inspections
    and regulatory actions, and to the inspection window."""

    __tablename__ = "metrics_site"
    #: The count of eligible sites reads this index, not every site's row.
    __table_args__ = (Index("ix_metrics_site_eligible", "eligible"),)

    site_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: 1 when eligible, else 0.
    eligible: Mapped[int] = mapped_column(Integer, nullable=False)
