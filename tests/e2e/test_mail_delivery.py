"""`flask mail send` as cron runs it, against real SMTP servers (issue 9 items 2 and 3).

Each run is the real command in a subprocess, in production mode, on a
database of its own (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set)
built by `flask db upgrade`. What the command did is read back through a
separate connection with plain SQL, and from what the SMTP server was handed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import login_as
from tests.e2e.smtp_servers import SilentServer, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
PAIR = ("ada@fda.example.gov", "sam@fda.example.gov")


# --- a database of this module's own ------------------------------------------------------------


def _fresh_database(tmp_path: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'mail-e2e.sqlite3'}"
    base = make_url(url)
    name = f"{base.database}_mail_e2e_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _environment(database_url: str, **settings: str | int | float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))}
    env.update(
        FLASK_APP="wsgi",
        PORTAL_ENV="production",
        DATABASE_URL=database_url,
        SECRET_KEY="e2e-" + "0" * 60,
        PORTAL_BASE_URL="http://portal.test",
        MAIL_SERVER="127.0.0.1",
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


def flask(database_url: str, *args: str, timeout: float = 300, **settings):
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=_environment(database_url, **settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def mail_send(database_url: str, server, **settings) -> subprocess.CompletedProcess:
    result = flask(database_url, "mail", "send", MAIL_PORT=server.port, **settings)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def mail_database(tmp_path_factory):
    url = _fresh_database(tmp_path_factory.mktemp("mail-e2e"))
    upgrade = flask(url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    engine = create_engine(url)
    yield url, engine
    engine.dispose()
    if url.startswith("postgresql"):
        server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            name = make_url(url).database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def database(mail_database):
    """The database URL, emptied of mail; and a separate connection to read it."""
    url, engine = mail_database
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox_delivery"))
        connection.execute(text("DELETE FROM outbox_message"))
    return url, engine


def queue(url: str, count: int, recipients=PAIR) -> None:
    """Queue ``count`` messages to ``recipients`` the way the portal does, in its own process."""
    from portal import create_app
    from portal.extensions import db
    from portal.mail import queue_email

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for index in range(count):
            queue_email(
                list(recipients),
                "password_reset",
                f"Notice {index}",
                user=type("U", (), {"full_name": "Pat", "email": "p@x.org", "timezone": "UTC"})(),
                link=f"http://portal.test/password/reset/token{index}",
                expires_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def rows(engine, sql: str) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql)).all()


def recipients_by_status(engine) -> dict[str, int]:
    return dict(rows(engine, "SELECT status, count(*) FROM outbox_delivery GROUP BY status"))


def make_due(engine) -> None:
    """Let the backoff pass: what an hour of cron would do, without the hour."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE outbox_message SET next_attempt_at = :past WHERE status = 'queued'"),
            {"past": datetime(2000, 1, 1)},  # noqa: DTZ001 - the column holds naive UTC
        )


# --- item 2: per recipient ---------------------------------------------------------------------


def test_451_to_every_second_recipient_still_reaches_everyone_once(database):
    url, engine = database
    queue(url, 6)
    with SmtpServer(every_second=451) as server:
        first = mail_send(url, server)
        assert "sent 0, retrying later 6, failed 0" in first.stdout
        assert recipients_by_status(engine) == {"accepted": 6, "pending": 6}
        assert rows(engine, "SELECT DISTINCT status FROM outbox_message") == [("queued",)]
        pending = rows(
            engine, "SELECT reply_code, reply FROM outbox_delivery WHERE status='pending'"
        )
        assert {code for code, _ in pending} == {451}
        # The server recovers; the retry must reach the six who were refused, and only them.
        server.handler.every_second = None
        make_due(engine)
        second = mail_send(url, server)
        assert "sent 6, retrying later 0, failed 0" in second.stdout
        runs = 2
        copies = server.copies()
    assert recipients_by_status(engine) == {"accepted": 12}
    assert rows(engine, "SELECT DISTINCT status FROM outbox_message") == [("sent",)]
    assert len(copies) == 12 and set(copies.values()) == {1}, "each recipient exactly once"
    print(f"\n451 to every second recipient: delivered {len(copies)}/12 after {runs} runs")


def test_550_fails_that_recipient_and_the_outbox_page_shows_it(database, fda_outbox_page):
    url, engine = database
    queue(url, 1)
    with SmtpServer(refuse={"sam@fda.example.gov": 550}) as server:
        result = mail_send(url, server)
        handed = [item.recipients for item in server.received]
    assert "sent 0, retrying later 0, failed 1" in result.stdout
    assert handed == [["ada@fda.example.gov"]]
    assert rows(engine, "SELECT status FROM outbox_message") == [("failed",)]
    assert sorted(
        rows(engine, "SELECT address, status, reply_code, reply FROM outbox_delivery")
    ) == [
        ("ada@fda.example.gov", "accepted", 250, "250 Message accepted for delivery"),
        ("sam@fda.example.gov", "failed", 550, "550 5.1.1 No such user here"),
    ]
    page = fda_outbox_page(url)
    assert "1 message was not delivered to every recipient" in page
    assert (
        "sam@fda.example.gov: <strong>not delivered</strong> (550 5.1.1 No such user here)" in page
    )
    print("\n550 to one recipient: failed with the server's reply, shown on /admin/outbox")


@pytest.fixture
def fda_outbox_page():
    """The program manager's outbox page, rendered by the portal on the given database."""

    def render(url: str) -> str:
        from portal import create_app
        from portal.auth.models import Role
        from portal.extensions import db
        from tests import factories

        app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            admin = factories.user(Role.FDA_ADMIN)
            db.session.commit()
            client = app.test_client()
            login_as(client, admin)
            page = client.get("/admin/outbox").get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
        return page

    return render


# --- item 3: timeouts --------------------------------------------------------------------------


def test_a_silent_server_ends_the_run_and_the_next_run_delivers(database):
    url, engine = database
    with SilentServer() as silent:
        began = time.monotonic()
        mail_send(url, silent, MAIL_TIMEOUT=2)  # nothing due: the command's own start-up
        start_up = time.monotonic() - began
        queue(url, 20)
        began = time.monotonic()
        result = mail_send(url, silent, MAIL_TIMEOUT=2)
        took = time.monotonic() - began
        assert silent.connections == 1, "it connected once and gave up on the server"
    assert "sent 0, retrying later 20, failed 0" in result.stdout
    # Before the timeouts the command ran over 120 s; the margin is for a loaded machine.
    assert took < start_up + 60, f"flask mail send took {took:.1f} s against a silent server"
    claimed = rows(engine, "SELECT count(*) FROM outbox_message WHERE claimed_until IS NOT NULL")
    assert claimed == [(0,)], "nothing stays claimed after the run"
    assert rows(engine, "SELECT DISTINCT status FROM outbox_message") == [("queued",)]
    make_due(engine)
    with SmtpServer() as working:
        after = mail_send(url, working)
        assert len(working.copies()) == 40
    assert "sent 20, retrying later 0, failed 0" in after.stdout
    print(
        f"\nsilent server, MAIL_TIMEOUT=2: the run ended in {took:.1f} s "
        f"(start-up alone {start_up:.1f} s), 0 messages left claimed"
    )


def test_a_second_run_delivers_while_the_first_hangs(database):
    url, engine = database
    queue(url, 6)
    # The stalled run must outlast the second run's start-up on a loaded machine: 45 s.
    with SmtpServer(data_delay=120) as stalling, SmtpServer() as working:
        hung = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "flask", "mail", "send"],
            cwd=ROOT,
            env=_environment(url, MAIL_PORT=stalling.port, MAIL_TIMEOUT=45),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            sending = "SELECT count(*) FROM outbox_message WHERE status = 'sending'"
            while rows(engine, sending) != [(1,)]:
                assert hung.poll() is None and time.monotonic() < deadline, hung.stderr
                time.sleep(0.1)
            second = mail_send(url, working)
            assert hung.poll() is None, "the first run was still waiting on its server"
            # The stalled server now gives up on that message (451) rather than make the
            # test sit out the timeout; the silent-server test covers the timeout itself.
            stalling.release()
            out, err = hung.communicate(timeout=120)
        finally:
            if hung.poll() is None:
                hung.kill()
            hung.communicate()  # reaps it and closes its pipes, whatever happened above
        assert len(working.copies()) == 10
    assert "sent 5, retrying later 0, failed 0" in second.stdout
    assert "sent 0, retrying later 1, failed 0" in out, err
    assert rows(
        engine, "SELECT status, count(*) FROM outbox_message GROUP BY status ORDER BY 1"
    ) == [
        ("queued", 1),
        ("sent", 5),
    ]
    claimed = rows(engine, "SELECT count(*) FROM outbox_message WHERE claimed_until IS NOT NULL")
    assert claimed == [(0,)]
