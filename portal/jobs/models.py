"""A unit of background work and how far it has got."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models import PublicIdMixin, UTCDateTime, string_enum
from portal.timeutil import utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    #: Claimed by a worker until ``claimed_until``; another worker takes it over after that.
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(PublicIdMixin, db.Model):
    """Work done in steps; each step commits with the job's progress, in one transaction.

    A step's writes and the job's ``steps_done`` commit together, so a worker
    that stops (restart, crash) loses at most the step it was in, which rolls
    back; the next worker resumes at ``steps_done`` and nothing is done twice.
    ``revision`` is the mapper's version counter: a worker whose claim was taken
    over cannot commit a step, because its UPDATE finds a newer revision.
    """

    __tablename__ = "background_job"
    __table_args__ = (Index("ix_background_job_due", "status", "claimed_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which handler runs it (``portal.jobs.runner.HANDLERS``), e.g. "import".
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[JobStatus] = mapped_column(
        string_enum(JobStatus, "job_status"), nullable=False, default=JobStatus.QUEUED
    )
    #: What the person recognizes the job by (an uploaded file's name).
    label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    #: The job's input (an uploaded file); emptied when the job ends.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: JSON: the handler's parameters, fixed when queued.
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    #: JSON: what the handler has accumulated so far (counts, rejected lines).
    state: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    steps_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The public id of what the job produced (an import run), once done.
    result_ref: Mapped[str | None] = mapped_column(String(64))
    #: Why it failed, in words for the person who queued it.
    error: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The worker holding it (random per worker process) and until when.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Times a worker claimed it: more than one means it was resumed after a stop.
    claims: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    by = relationship("User")

    __mapper_args__ = {"version_id_col": revision}

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
