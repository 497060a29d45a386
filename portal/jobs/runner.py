"""The job worker: claim a job by a conditional UPDATE, run it step by step, commit each step.

Why this and not a job library (Huey, RQ, Celery): the portal already runs its
mail this way (``flask mail send``: claim by conditional UPDATE, a lease that
another worker may take over when it lapses), it needs no broker beyond the
database the data lives in, and -- what matters for imports -- a step's writes
and the job's progress commit in one database transaction. With a separate
broker the two could disagree after a crash (a step acknowledged but not
saved, or saved twice); here a step is either saved with its progress or not
at all, and the next worker starts from the saved progress.

Run ``flask jobs work`` as a long-running service (it polls every second), or
``flask jobs work --once`` from cron. Any number may run at once. SIGTERM or
Ctrl-C lets the current step finish and hands the job back at once; a worker
killed outright loses its current step, and another worker takes the job over
when the claim lapses (``JOBS_CLAIM_SECONDS``, default 120).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.jobs.models import BackgroundJob, JobStatus
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

#: kind -> step function. A step does one bounded piece of the work in
#: ``db.session`` (without committing), records what it did on the job, and
#: returns True once the job is complete. The job's ``steps_done`` says which
#: piece is next.
HANDLERS: dict[str, Callable[[BackgroundJob], bool]] = {}

#: A step that fails on a unique key (another import saved the same record
#: meanwhile) is tried again this many times: the retry sees the record as existing.
STEP_RETRIES = 3

UNEXPECTED = (
    "The job stopped on an unexpected error; the work saved before it is kept. "
    "Start it again, and tell the program's administrator if this happens again."
)


class JobFailed(Exception):
    """The job cannot go on; the message is shown to the person who started it."""


def register_handler(kind: str, step: Callable[[BackgroundJob], bool]) -> None:
    HANDLERS[kind] = step


def _claim_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config.get("JOBS_CLAIM_SECONDS", 120))


def claim_next(worker: str) -> int | None:
    """Claim the oldest queued job, or one whose worker's claim has lapsed; commit the claim."""
    now = utcnow()
    due = or_(
        BackgroundJob.status == JobStatus.QUEUED,
        and_(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.claimed_until < now),
    )
    candidates = db.session.scalars(
        select(BackgroundJob.id)
        .where(due)
        .order_by(BackgroundJob.id)
        .limit(5)
        .with_for_update(skip_locked=True)
    ).all()
    for job_id in candidates:
        claimed = db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, due)
            .values(
                status=JobStatus.RUNNING,
                claimed_by=worker,
                claimed_until=now + _claim_lifetime(),
                claims=BackgroundJob.claims + 1,
                started_at=func.coalesce(BackgroundJob.started_at, now),
                revision=BackgroundJob.revision + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            db.session.commit()
            return job_id
    db.session.commit()
    return None


def _end(job: BackgroundJob, status: JobStatus, error: str | None = None) -> None:
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    job.payload = None
    job.claimed_by = None
    job.claimed_until = None


def _fail(job_id: int, worker: str, message: str) -> None:
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    if job is None or job.claimed_by != worker:
        db.session.rollback()
        return
    _end(job, JobStatus.FAILED, message)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()


def run_job(job_id: int, worker: str, should_stop: Callable[[], bool] = lambda: False) -> bool:
    """Run a claimed job step by step; True when it ended (done or failed) here."""
    retries = 0
    while True:
        job = db.session.get(BackgroundJob, job_id, populate_existing=True)
        if job is None or job.claimed_by != worker or job.status != JobStatus.RUNNING:
            db.session.rollback()
            return False
        if should_stop():
            # Hand it back now rather than make the next worker wait for the claim to lapse.
            job.status, job.claimed_by, job.claimed_until = JobStatus.QUEUED, None, None
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
            return False
        try:
            complete = HANDLERS[job.kind](job)
            job.steps_done += 1
            job.claimed_until = utcnow() + _claim_lifetime()
            if complete:
                _end(job, JobStatus.DONE)
            db.session.commit()
        except StaleDataError:
            # Another worker took the job over (our claim had lapsed): its progress stands.
            db.session.rollback()
            return False
        except JobFailed as error:
            db.session.rollback()
            _fail(job_id, worker, str(error))
            return True
        except IntegrityError:
            db.session.rollback()
            retries += 1
            if retries > STEP_RETRIES:
                log.exception("job %s: step keeps failing on a unique key", job_id)
                _fail(job_id, worker, UNEXPECTED)
                return True
            continue
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job_id)
            _fail(job_id, worker, UNEXPECTED)
            return True
        else:
            retries = 0
            if complete:
                return True


def work(
    *,
    once: bool,
    should_stop: Callable[[], bool] = lambda: False,
    poll_seconds: float = 1.0,
    worker: str | None = None,
) -> int:
    """Run jobs until stopped (or, with ``once``, until none is due); the number that ended."""
    worker = worker or uuid.uuid4().hex
    ended = 0
    while not should_stop():
        job_id = claim_next(worker)
        if job_id is None:
            if once:
                break
            time.sleep(poll_seconds)
            continue
        ended += run_job(job_id, worker, should_stop)
    return ended
