"""End to end: "Sign out all other sessions" against a real gunicorn, read back from the database.

The portal runs as a gunicorn subprocess (two workers, so the refusal cannot rest on
one process's memory) on a free port and the test database; the browsers are
`requests` sessions; the database is read through a connection of the test's own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from portal.auth.models import Role
from portal.extensions import db
from tests import factories
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    port = free_port()
    env = dict(os.environ, PORTAL_ENV="testing", DATABASE_URL=database_url)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as errors:
        # stderr to a file, not a pipe: workers outlive a killed master and would hold it.
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a loaded machine two workers importing the app take a while.
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(base + "/login", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gunicorn did not start: " + log.read_text()[-2000:])
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()  # SIGTERM: the master stops its workers before it exits
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def browser_signed_in(base: str, user, agent: str) -> requests.Session:
    browser = requests.Session()
    browser.headers["User-Agent"] = agent
    token = csrf(browser.get(base + "/login", timeout=30).text)
    response = browser.post(
        base + "/login",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def test_a_copied_cookie_dies_after_sign_out_all_others(gunicorn, database_url, app):
    person = factories.user(Role.FIRM_ADMIN)
    db.session.commit()
    mine = browser_signed_in(gunicorn, person, "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
    other = browser_signed_in(gunicorn, person, "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0")
    thief = requests.Session()
    thief.cookies.set("sep_session", other.cookies.get("sep_session"))
    assert thief.get(gunicorn + "/account", allow_redirects=False, timeout=30).status_code == 200

    account = mine.get(gunicorn + "/account", timeout=30).text
    assert "Chrome on Windows" in account
    response = mine.post(
        gunicorn + "/account/sessions/end-others",
        data={"csrf_token": csrf(account)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302

    refused = thief.get(gunicorn + "/account", allow_redirects=False, timeout=30)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert other.get(gunicorn + "/account", allow_redirects=False, timeout=30).status_code == 302
    assert mine.get(gunicorn + "/account", allow_redirects=False, timeout=30).status_code == 200

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT user_agent, ended_at IS NULL FROM user_session"
                " WHERE user_id = :id ORDER BY id"
            ),
            {"id": person.id},
        ).all()
    engine.dispose()
    assert [(agent.split()[-1], live) for agent, live in rows] == [
        ("Firefox/133.0", True),
        ("Chrome/131.0", False),
    ]
