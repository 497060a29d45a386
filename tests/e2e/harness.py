"""The running portal as its users reach it: gunicorn in a subprocess, a database read apart.

Nothing here goes through the application's own session: the server is another
process, the test reads the database through an engine of its own (one fresh
connection per read), and people sign in over HTTP with the demo accounts.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyotp
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
#: The same key for every worker of one server, as production requires.
E2E_SECRET_KEY = "e2e-secret-key-" + "0" * 48
CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the database, read apart -----------------------------------------------------


@dataclass
class Database:
    """A database the portal under test uses, read and prepared through the test's own engine."""

    url: str
    _engine: Any = field(default=None, repr=False)

    @property
    def engine(self):
        if self._engine is None:
            self._engine = create_engine(self.url, poolclass=NullPool)
        return self._engine

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).all()

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(sql), params)

    def audit_mark(self) -> int:
        """The newest audit event's id: pass it to `audit_since` after the request."""
        return self.scalar("SELECT coalesce(max(id), 0) FROM audit_event")

    def audit_since(self, mark: int) -> list:
        return self.rows(
            "SELECT action, object_type, object_id, actor_email, firm_id, detail "
            "FROM audit_event WHERE id > :mark ORDER BY id",
            mark=mark,
        )

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def flask_command(
    database_url: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run `flask <args>` as an operator would, against ``database_url``."""
    environment = base_environment(database_url)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def base_environment(database_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "MAIL_", "RATELIMIT_", "LOGIN_LIMIT", "TRUSTED_PROXY"))
    }
    environment.update(
        FLASK_APP="wsgi",
        DATABASE_URL=database_url,
        SECRET_KEY=E2E_SECRET_KEY,
        PORTAL_ENV="production",
        # Cheap hashes: the suite signs in many times; the cost is not what is tested here.
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return environment


def new_database_url(name: str, tmp_dir: Path) -> str:
    """An empty database: a SQLite file, or a PostgreSQL database made afresh beside the suite's."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    url = make_url(base)
    database = f"{url.database}_{name}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def demo_database(name: str, tmp_dir: Path) -> Database:
    """A database migrated by Alembic and loaded with the demo, as `make run` makes it."""
    url = new_database_url(name, tmp_dir)
    for command in (("db", "upgrade"), ("seed-demo",)):
        done = flask_command(url, *command)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return Database(url)


def copy_database(template: Database, name: str, tmp_dir: Path) -> Database:
    """A new database holding exactly what ``template`` holds (nobody may be connected to it).

    Making the demo costs two `flask` processes (~10 s on a loaded machine); a copy costs
    a file copy on SQLite and a CREATE DATABASE ... TEMPLATE on PostgreSQL.
    """
    if not template.is_postgres:
        source = Path(make_url(template.url).database)
        target = tmp_dir / (name + ".sqlite3")
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, target)
        # A write-ahead log left behind by an unclean exit holds committed rows too.
        if Path(str(source) + "-wal").exists():
            shutil.copyfile(str(source) + "-wal", str(target) + "-wal")
        return Database(f"sqlite:///{target}")
    base = make_url(os.environ["TEST_DATABASE_URL"])
    source = make_url(template.url).database
    database = f"{base.database}_{name}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{source}"'))
    admin.dispose()
    return Database(base.set(database=database).render_as_string(hide_password=False))


# --- the server -------------------------------------------------------------------


@dataclass
class PortalServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers: list[PortalServer]) -> None:
    """Stop servers together: each takes seconds to shut down gracefully, and waiting for
    one before signalling the next added ~3 s per server to the end of every e2e run."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


def start_portal(
    database: Database,
    log_dir: Path,
    *,
    env: dict[str, str] | None = None,
    workers: int = 2,
    ready_path: str = "/login",
) -> PortalServer:
    """gunicorn serving wsgi:app on a free port, configured only through its environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = base_environment(database.url)
    environment.update(PORTAL_BASE_URL=url, MAIL_SERVER="127.0.0.1", MAIL_PORT="1")
    environment.update(env or {})
    log_path = log_dir / f"gunicorn-{port}.log"
    handle = log_path.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "5",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    server = PortalServer(url, process, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{server.log()}")
        try:
            if requests.get(url + ready_path, timeout=2).status_code < 500:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within 120 s:\n{server.log()}")


# --- people -----------------------------------------------------------------------


_return_ok_secure = DefaultCookiePolicy.return_ok_secure


def _secure_over_loopback(policy, cookie, request):
    """Send `Secure` cookies to 127.0.0.1 as browsers do (loopback is a trustworthy origin), so
    the server keeps its production cookie settings while the test speaks plain HTTP to it.
    Patched on the class: requests copies cookies into fresh jars that a per-jar policy misses.
    """
    if urlsplit(request.get_full_url()).hostname == "127.0.0.1":
        return True
    return _return_ok_secure(policy, cookie, request)


DefaultCookiePolicy.return_ok_secure = _secure_over_loopback


class Visitor:
    """One person's browser session, without a browser: cookies, CSRF tokens, redirects."""

    def __init__(self, server: PortalServer, *, address: str | None = None):
        self.server = server
        self.http = requests.Session()
        self.csrf_token: str | None = None
        if address:
            self.http.headers["X-Forwarded-For"] = address

    def url(self, path: str) -> str:
        return urljoin(self.server.url + "/", path.lstrip("/"))

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        response = self.http.get(self.url(path), **kwargs)
        self._remember_token(response)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs: Any) -> requests.Response:
        """POST a form; the CSRF token comes from the last page that carried one."""
        payload = dict(data or {})
        if "csrf_token" not in payload:
            if self.csrf_token is None:
                self.get(path)
            payload["csrf_token"] = self.csrf_token or ""
        kwargs.setdefault("timeout", 30)
        response = self.http.post(self.url(path), data=payload, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response: requests.Response) -> None:
        if "text/html" not in response.headers.get("Content-Type", ""):
            return
        found = CSRF_FIELD.search(response.text)
        if found:
            self.csrf_token = found.group(1) or found.group(2)

    def sign_in(
        self,
        email: str,
        password: str,
        *,
        totp_secret: str | None = None,
        database: Database | None = None,
    ) -> requests.Response:
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        if urlsplit(response.url).path == "/login/code":
            if totp_secret is None:
                raise AssertionError(f"{email} was asked for a code the test does not have")
            if database is not None:
                # Each code is accepted once (RFC 6238 5.2); the suite signs the same
                # demo person in many times within one 30-second step.
                database.execute(
                    "UPDATE user_account SET totp_last_step = NULL WHERE email = :email",
                    email=email,
                )
            response = self.post("/login/code", {"code": pyotp.TOTP(totp_secret).now()})
        return response


def demo_people() -> dict[str, dict[str, Any]]:
    """The demo accounts by role: email, password and (FDA) the code secret."""
    from portal import demo

    people: dict[str, dict[str, Any]] = {}
    for email, _name, _title, role in demo.FDA_PEOPLE:
        people[str(role)] = {"email": email, "totp_secret": demo.DEMO_TOTP.get(email)}
    for index, spec in enumerate(demo.FIRMS):
        for email, _name, _title, role in spec["people"]:
            key = f"{role}@{'ab'[index] if index < 2 else index}"
            people.setdefault(
                key,
                {"email": email, "totp_secret": demo.DEMO_TOTP.get(email), "firm": spec["name"]},
            )
    for person in people.values():
        person["password"] = demo.DEMO_PASSWORD
    return people
