"""Newcomer friction (issue 9): `make run PORT=N` serves on N, and the emails it writes link to N.

The test runs `make run` as a newcomer would (migrate, load the demo, serve), on a
free port and a database of its own, then asks a question over HTTP and reads the
receipt's link from the outbox through its own connection. The virtualenv is
taken as installed (`make -o`): the suite's environment is shared and not to be
reinstalled by a test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests

from tests.e2e import harness

LINK_HOST = re.compile(r"http://(?:localhost|127\.0\.0\.1):(\d+)/")


@pytest.fixture
def make_run(e2e_dir):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database = harness.Database(harness.new_database_url(f"e2e_makerun_{worker}", e2e_dir))
    port = harness.free_port()
    log_path = e2e_dir / f"make-run-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "-o", ".venv/.runtime-installed", "run", f"PORT={port}"],
            cwd=harness.ROOT,
            env=harness.base_environment(database.url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make, flask and its children stop together
        )
    server = harness.PortalServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise AssertionError(f"make run exited ({process.returncode}):\n{server.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"make run did not serve port {port}:\n{server.log()}")
            try:
                if requests.get(server.url + "/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        yield server, database
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        database.dispose()


def test_make_run_serves_on_port_and_links_follow_it(make_run, demo_people):
    server, database = make_run
    port = server.url.rsplit(":", 1)[1]
    person = demo_people["firm_admin@a"]
    firm = harness.Visitor(server)
    firm.sign_in(
        person["email"], person["password"], totp_secret=person["totp_secret"], database=database
    )
    form = firm.get("/firm/questions/new")
    meeting = re.search(r'<option[^>]*value="([0-9a-f-]{36})"', form.text)
    assert meeting, form.text[:500]
    asked = firm.post(
        "/firm/questions/new",
        {
            "meeting": meeting.group(1),
            "subject": "Which port do the links use?",
            "topic": "other",
            "body": "The one the portal is served on, we hope.",
        },
    )
    question_path = asked.url.removeprefix(server.url)
    assert question_path.startswith("/firm/questions/"), asked.url
    receipt = database.scalar(
        "SELECT body_text FROM outbox_message WHERE template = 'questions_receipt' "
        "ORDER BY id DESC LIMIT 1"
    )
    # make run names the portal http://localhost:PORT: security keys refuse an IP address.
    assert f"http://localhost:{port}{question_path}" in receipt
    # Every link written so far, by `flask seed-demo` and by the server, names the port.
    bodies = [row.body_text for row in database.rows("SELECT body_text FROM outbox_message")]
    ports = {found for body in bodies for found in LINK_HOST.findall(body)}
    assert ports == {port}
