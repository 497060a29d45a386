"""A large import end to end on the running system: gunicorn serves the portal, `flask jobs
work` runs in its own process, Chromium uploads and watches, and the database is read
through a connection of the test's own.

Upload -> progress ("rows done of rows total", updated without a reload) -> the worker
is killed outright midway -> a new worker resumes after the claim lapses -> the page
shows the result, and no row was imported twice.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from benchmarks.import_inspections import inspections_file
from tests import factories
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ROWS = 12000


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def system(app, database_url, tmp_path):
    """The portal under gunicorn (2 workers) on a free port, and a way to start job workers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_ENV": "development",
        "SECRET_KEY": "e2e-" + "0" * 60,
        "PORTAL_BASE_URL": url,
        "FLASK_APP": "wsgi",
        "IMPORT_INLINE_ROWS": "100",
        "IMPORT_STEP_ROWS": "250",
        "JOBS_CLAIM_SECONDS": "3",
    }
    processes: list[subprocess.Popen] = []
    logs: list = []

    def start(*command: str, name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", *command], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        processes.append(process)
        return process

    start("gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app", name="web")

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    _wait_for(answers, 60, "gunicorn to answer")
    engine = create_engine(database_url)

    def job() -> dict:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT status, rows_done, rows_total, claims, result_ref "
                    "FROM background_job ORDER BY id DESC LIMIT 1"
                )
            ).mappings()
            return dict(row.one())

    yield SimpleNamespace(
        url=url,
        engine=engine,
        job=job,
        worker=lambda name: start("flask", "jobs", "work", name=name),
        logs=tmp_path,
    )
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    engine.dispose()
    for log in logs:
        log.close()


def _distinct_inspections(data: bytes) -> int:
    return len({row[8] for row in list(csv.reader(io.StringIO(data.decode())))[3:] if row})


PROGRESS_BETWEEN = """total => {
    const shown = document.querySelector('[data-progress-text]');
    if (!shown) return false;
    const done = parseInt(shown.textContent.replace(/,/g, ''), 10);
    return done > 0 && done < total;
}"""


def test_a_large_upload_runs_in_the_background_and_survives_a_killed_worker(
    system, browser, fda_staff, tmp_path
):
    from portal.extensions import db

    db.session.commit()
    data = inspections_file(ROWS, 5000)
    path = tmp_path / "inspections-large.csv"
    path.write_bytes(data)

    context = browser.new_context(base_url=system.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, fda_staff, factories.PASSWORD)
    page.goto("/imports/inspections")
    assert "A file of up to 100 rows is imported while you wait" in page.content()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/imports/jobs/**")
    assert f"0 of {ROWS:,} rows" in page.content()
    assert "Waiting for the background worker" in page.content()
    assert system.job()["status"] == "queued"
    assert system.job()["rows_total"] == ROWS

    # Killed outright midway: its current step rolls back, its claim stays until it lapses.
    page.evaluate("window.stillTheSamePage = true")
    first = system.worker("worker-1")
    _wait_for(lambda: 0 < system.job()["rows_done"], 60, "the first step to be saved")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = system.job()
    assert killed_at["status"] == "running" and killed_at["claims"] == 1
    assert 0 < killed_at["rows_done"] < ROWS

    # The figures moved on the open page without a reload (the marker would be gone).
    page.wait_for_function(PROGRESS_BETWEEN, arg=ROWS, timeout=60_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page, "background import in progress")
    time.sleep(1)
    assert system.job()["rows_done"] == killed_at["rows_done"]  # nobody is working on it

    # Without script, a reload shows the same figures.
    plain = browser.new_context(base_url=system.url, java_script_enabled=False)
    plain_page = plain.new_page()
    plain_page.set_default_timeout(20_000)
    sign_in(plain_page, fda_staff, factories.PASSWORD)
    plain_page.goto(page.url)
    assert f"{killed_at['rows_done']:,} of {ROWS:,} rows" in plain_page.content()

    system.worker("worker-2")
    page.wait_for_selector("text=What the import did", timeout=120_000)
    assert_accessible(page, "background import done")
    done = system.job()
    assert (done["status"], done["rows_done"], done["claims"]) == ("done", ROWS, 2)
    expected = _distinct_inspections(data)
    with system.engine.connect() as connection:
        run = (
            connection.execute(text("SELECT created, updated, unchanged, rejected FROM import_run"))
            .mappings()
            .one()
        )
        inspections = connection.execute(text("SELECT count(*) FROM inspection")).scalar_one()
    # A step imported twice would show its rows as unchanged (or fail on the unique key).
    assert dict(run) == {"created": expected, "updated": 0, "unchanged": 0, "rejected": 0}
    assert inspections == expected
    plain_page.reload()
    assert "What the import did" in plain_page.content()
    plain.close()
    context.close()
