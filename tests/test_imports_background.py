"""Large imports run as background jobs: queued by the upload page, imported step by step by
`flask jobs work`, with progress on a page, resumable after a stop without importing twice."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from benchmarks.import_inspections import inspections_file
from portal.extensions import db
from portal.imports import background
from portal.imports.models import ImportKind, ImportRun
from portal.imports.services import run_import
from portal.jobs import runner
from portal.jobs.models import BackgroundJob, JobStatus
from portal.sites.models import Inspection, Site
from portal.timeutil import utcnow
from tests.conftest import csrf_token_from

UPLOAD = "/imports/inspections"
ROWS = 60


@pytest.fixture
def small_steps(app):
    app.config.update(IMPORT_INLINE_ROWS=20, IMPORT_STEP_ROWS=15, JOBS_CLAIM_SECONDS=60)
    return app


@pytest.fixture
def staff(client, sign_in, fda_staff, small_steps):
    sign_in(fda_staff)
    return client


def upload(client, data: bytes, filename: str = "big.csv"):
    token = csrf_token_from(client.get(UPLOAD).get_data(as_text=True))
    return client.post(
        UPLOAD,
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def with_bad_line(data: bytes, line: int) -> bytes:
    """The file with its ``line``-th line's Inspection End Date made unreadable."""
    lines = data.decode().split("\r\n")
    cells = next(csv.reader([lines[line - 1]]))
    cells[10] = "31/31/2020"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[line - 1] = out.getvalue()
    return "\r\n".join(lines).encode()


def distinct_inspections(data: bytes, bad_line: int | None = None) -> int:
    lines = list(csv.reader(io.StringIO(data.decode())))
    return len({row[8] for number, row in enumerate(lines, 1) if number > 3 and number != bad_line})


def the_job() -> BackgroundJob:
    db.session.expire_all()
    return db.session.scalars(select(BackgroundJob)).one()


def test_a_small_file_is_still_imported_during_the_request(staff):
    response = upload(staff, inspections_file(10, 5))
    assert response.status_code == 302
    assert "/imports/runs/" in response.headers["Location"]
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0


def test_the_upload_page_says_which_files_run_in_the_background(staff):
    page = staff.get(UPLOAD).get_data(as_text=True)
    assert "A file of up to 20 rows is imported while you wait" in page
    assert "up to 64 MB" in page


def test_a_large_file_is_queued_with_its_row_count_and_nothing_imported_yet(staff):
    response = upload(staff, inspections_file(ROWS, 25))
    assert response.status_code == 302
    job = the_job()
    assert response.headers["Location"].endswith(f"/imports/jobs/{job.public_id}")
    assert (job.status, job.rows_total, job.rows_done) == (JobStatus.QUEUED, ROWS, 0)
    assert db.session.scalar(select(func.count(Site.id))) == 0
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert f"big.csv: {ROWS:,} rows will be imported in the background." in page
    assert f"0 of {ROWS:,} rows" in page
    assert "Waiting for the background worker" in page
    assert "js/import-progress.js" in page
    progress = staff.get(f"/imports/jobs/{job.public_id}/progress").get_json()
    assert progress == {
        "status": "queued",
        "rows_done": 0,
        "rows_total": ROWS,
        "text": f"0 of {ROWS:,} rows",
        "finished": False,
    }


def test_a_refused_file_is_refused_at_upload_and_nothing_is_queued(staff):
    data = b"Some,Other,Columns\r\n" + b"1,2,3\r\n" * 40
    response = upload(staff, data)
    assert response.status_code == 200
    assert "This does not look like" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0


def test_the_worker_imports_in_steps_and_the_page_shows_the_result(staff):
    data = with_bad_line(inspections_file(ROWS, 25), 40)
    upload(staff, data)
    job = the_job()
    worker = "worker-a"
    assert runner.claim_next(worker) == job.id
    steps_seen = []

    def progress_after_each_step():
        current = the_job()
        steps_seen.append((current.rows_done, current.status))
        return False

    runner.run_job(job.id, worker, should_stop=progress_after_each_step)
    job = the_job()
    assert job.status == JobStatus.DONE
    # Progress moved in steps before the end (each committed with the rows it imported).
    done_counts = [rows for rows, _status in steps_seen]
    assert done_counts[0] == 0 and done_counts[-1] == ROWS
    assert len({rows for rows in done_counts if 0 < rows < ROWS}) >= 2
    run = db.session.scalars(select(ImportRun)).one()
    assert job.result_ref == str(run.public_id)
    assert job.payload is None
    assert run.created == distinct_inspections(data, bad_line=40)
    assert run.rejected == 1
    rejection = json.loads(run.rejections)[0]
    assert rejection["line"] == 40  # the uploaded file's own line number
    assert db.session.scalar(select(func.count(Inspection.id))) == run.created
    page = staff.get(f"/imports/jobs/{job.public_id}").get_data(as_text=True)
    assert "What the import did" in page
    assert "js/import-progress.js" not in page
    assert staff.get(f"/imports/jobs/{job.public_id}/progress").get_json()["finished"] is True


def test_the_result_equals_importing_the_whole_file_in_one_request(app, staff):
    data = inspections_file(ROWS, 10)  # few sites: many rows per site, across steps
    upload(staff, data)
    runner.work(once=True)
    background_run = db.session.scalars(select(ImportRun)).one()
    background_rows = db.session.execute(
        select(Inspection.fda_inspection_id, Inspection.end_date, Inspection.project_area).order_by(
            Inspection.fda_inspection_id
        )
    ).all()
    sites = db.session.execute(
        select(Site.fei_number, Site.legal_name).order_by(Site.fei_number)
    ).all()
    counts = (background_run.created, background_run.sites_created, background_run.rejected)
    for table in reversed(db.metadata.sorted_tables):
        if table.name in ("inspection", "site", "import_run", "audit_event"):
            db.session.execute(table.delete())
    db.session.commit()
    inline = run_import(ImportKind.INSPECTIONS, data, "big.csv")
    db.session.commit()
    assert (inline.created, inline.sites_created, inline.rejected) == counts
    assert (
        db.session.execute(
            select(
                Inspection.fda_inspection_id, Inspection.end_date, Inspection.project_area
            ).order_by(Inspection.fda_inspection_id)
        ).all()
        == background_rows
    )
    assert (
        db.session.execute(select(Site.fei_number, Site.legal_name).order_by(Site.fei_number)).all()
        == sites
    )


def test_the_rows_of_one_site_stay_in_one_step():
    data = inspections_file(200, 7)
    steps = background.plan_steps(ImportKind.INSPECTIONS, data, 15)
    assert sum(step.rows for step in steps) == 200
    seen: dict[str, int] = {}
    for number, step in enumerate(steps):
        for row in list(csv.reader(io.StringIO(step.text(data))))[3:]:
            assert seen.setdefault(row[0], number) == number, f"FEI {row[0]} in two steps"


def test_a_stopped_worker_hands_the_job_back_and_the_next_resumes(staff):
    data = inspections_file(ROWS, 25)
    upload(staff, data)
    job = the_job()
    assert runner.claim_next("first") == job.id
    steps = iter([False, False, True])
    runner.run_job(job.id, "first", should_stop=lambda: next(steps))
    job = the_job()
    assert job.status == JobStatus.QUEUED and job.claimed_by is None
    assert 0 < job.rows_done < ROWS
    assert runner.work(once=True, worker="second") == 1
    job = the_job()
    run = db.session.scalars(select(ImportRun)).one()
    assert (job.status, job.claims, job.rows_done) == (JobStatus.DONE, 2, ROWS)
    # Nothing imported twice: a re-imported step would count its rows as unchanged.
    assert (run.created, run.updated, run.unchanged) == (distinct_inspections(data), 0, 0)


def test_a_crashed_workers_job_is_taken_over_once_its_claim_lapses(staff, time_machine):
    data = inspections_file(ROWS, 25)
    upload(staff, data)
    job = the_job()
    time_machine.move_to(utcnow(), tick=False)
    assert runner.claim_next("crashed") == job.id
    steps = iter([False, False, True])
    # The worker dies after two steps without handing the job back (its claim stays).
    runner.run_job(job.id, "crashed", should_stop=lambda: next(steps))
    db.session.rollback()
    crashed = the_job()
    crashed.status, crashed.claimed_by = JobStatus.RUNNING, "crashed"
    crashed.claimed_until = utcnow() + timedelta(seconds=60)
    db.session.commit()
    done_before = the_job().rows_done
    assert 0 < done_before < ROWS
    assert runner.claim_next("second") is None  # still claimed
    time_machine.move_to(utcnow() + timedelta(seconds=61), tick=False)
    assert runner.claim_next("second") == job.id
    # The crashed worker, were it still alive, can no longer write a step.
    assert runner.run_job(job.id, "crashed") is False
    assert the_job().rows_done == done_before
    assert runner.run_job(job.id, "second") is True
    run = db.session.scalars(select(ImportRun)).one()
    assert (run.created, run.updated, run.unchanged) == (distinct_inspections(data), 0, 0)
    assert db.session.scalar(select(func.count(Inspection.id))) == distinct_inspections(data)


def test_a_step_that_fails_ends_the_job_with_a_message_and_keeps_earlier_steps(staff, monkeypatch):
    upload(staff, inspections_file(ROWS, 25))
    job = the_job()
    real_step = runner.HANDLERS[background.JOB_KIND]
    calls = []

    def failing_step(job):
        calls.append(job.steps_done)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_step(job)

    monkeypatch.setitem(runner.HANDLERS, background.JOB_KIND, failing_step)
    assert runner.work(once=True) == 1
    job = the_job()
    assert job.status == JobStatus.FAILED
    first_step = background.plan_steps(ImportKind.INSPECTIONS, inspections_file(ROWS, 25), 15)[0]
    assert job.rows_done == first_step.rows  # the first step stands, the second rolled back
    page = staff.get(f"/imports/jobs/{job.public_id}").get_data(as_text=True)
    assert "The import stopped" in page
    assert f"{first_step.rows} of {ROWS} rows were imported before it stopped" in page


def test_only_fda_staff_may_send_a_file_larger_than_other_requests(app, client, staff):
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    data = inspections_file(400, 150)
    assert len(data) > 20_000
    assert upload(staff, data).status_code == 302
    assert the_job().rows_total == 400
    anonymous = app.test_client()
    response = anonymous.post(
        UPLOAD, data={"file": (io.BytesIO(data), "big.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    app.config["IMPORT_MAX_BYTES"] = 30_000
    response = upload(staff, inspections_file(400, 150) + b"\r\n" * 20_000)
    assert response.status_code == 413
    assert "Split the file" in response.get_data(as_text=True)
