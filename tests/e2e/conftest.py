"""Fixtures for the end-to-end suite: the demo database and the portal under gunicorn.

One demo database and one server per test process (pytest-xdist worker), made as
`make run` makes them (Alembic, then `flask seed-demo`: once per process, into a template
each demo database is copied from) and served in production mode. Tests that change what
others rely on (throttles, settings) start a server or a database of their own with
`start_portal` / `make_demo_database`.
"""

from __future__ import annotations

import os

import pytest

from portal import create_app
from tests.e2e import harness


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def demo_template(e2e_dir) -> harness.Database:
    """The demo as `make run` makes it (Alembic, then seed-demo), never served: each demo
    database is a copy of it, so the two `flask` processes run once per test process."""
    return harness.demo_database(f"e2e_template_{_worker()}", e2e_dir)


@pytest.fixture(scope="session")
def make_demo_database(e2e_dir, demo_template):
    """A new database loaded with the demo: make_demo_database("name")."""
    made: list[harness.Database] = []

    def make(name: str) -> harness.Database:
        database = harness.copy_database(demo_template, f"e2e_{name}_{_worker()}", e2e_dir)
        made.append(database)
        return database

    yield make
    for database in made:
        database.dispose()


@pytest.fixture(scope="session")
def demo_db(make_demo_database) -> harness.Database:
    return make_demo_database("demo")


@pytest.fixture(scope="session")
def start_portal(e2e_dir):
    """Start gunicorn on a free port: start_portal(database, env={...}, workers=2)."""
    servers: list[harness.PortalServer] = []

    def start(database: harness.Database, **kwargs) -> harness.PortalServer:
        server = harness.start_portal(database, e2e_dir, **kwargs)
        servers.append(server)
        return server

    yield start
    harness.stop_all(servers)


@pytest.fixture(scope="session")
def portal(demo_db, start_portal) -> harness.PortalServer:
    """The shared server on the demo database (production mode, two workers)."""
    return start_portal(demo_db)


@pytest.fixture(scope="session")
def demo_people() -> dict:
    return harness.demo_people()


@pytest.fixture
def visit(portal, demo_db, demo_people):
    """visit("firm_admin@a") -> a Visitor signed in as that demo person; visit() -> anonymous."""

    def make(who: str | None = None, *, server=None, database=None, address=None):
        server = server or portal
        visitor = harness.Visitor(server, address=address)
        if who is not None:
            person = demo_people[who]
            response = visitor.sign_in(
                person["email"],
                person["password"],
                totp_secret=person["totp_secret"],
                database=database or demo_db,
            )
            if "/login" in response.url:
                raise AssertionError(f"{who} could not sign in: {response.url}\n{server.log()}")
        return visitor

    return make


@pytest.fixture(scope="session")
def portal_app(demo_db):
    """The application object, in this process, for its URL map and models (not for requests)."""
    return create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": demo_db.url})
