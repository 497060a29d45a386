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
    __table_args__ = (Index("ix_metrics_answer_days_day", "days", "day"),)

    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: The program day it was answered (``MetricsDay.day``).
    day: Mapped[date] = mapped_column(Date, nullable=False)
    #: Submission to written answer, in days (``metrics.sql.days_between``).
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

    site_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: 1 when eligible, else 0.
    eligible: Mapped[int] = mapped_column(Integer, nullable=False)
