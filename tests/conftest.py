"""Shared fixtures: the app on the test database, people of every role, a real SMTP server.

The database is SQLite in a temporary file, or PostgreSQL when
TEST_DATABASE_URL is set (`.ci/run` runs the suite both ways). Each test
starts from empty tables.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event, text

from portal import create_app
from portal.auth.models import Role
from portal.extensions import db, limiter
from tests import (
    factories,
    factories_documents,
    factories_jobs,
    factories_messages,
    factories_metrics,
    factories_minutes,
)

#: With SEP_REQUIRE_ALL=1 (CI), a skipped test counts as a failure: CI provides everything.
REQUIRE_ALL = os.environ.get("SEP_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


# --- the app's URL map, built once ---------------------------------------------------


def _reuse_url_builders() -> None:
    """Compile each URL rule's builder once per test process instead of once per app.

    Tests that need an app of their own (``make_app``, ``fresh_app``) build one, and ~90% of
    create_app was werkzeug compiling the same ~190 rules' builders into Python code
    again (0.15-0.3 s per test). A builder is a plain function of the rule's text, its
    defaults and its converters, bound to the rule when called, so one compiled copy
    serves every app's equal rule.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def reused(self, append_unknown: bool = True):
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items())),
            tuple(sorted((name, type(c).__name__) for name, c in self._converters.items())),
            append_unknown,
        )
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = reused


_reuse_url_builders()


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for every app of this test process.

    Each test's app has a Jinja environment of its own, so each test parsed and compiled
    every template it rendered again: about half the time of a test that renders a few
    pages. Jinja checks each entry against the template's source before using it.
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


# --- database -------------------------------------------------------------------


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'portal-test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database, made on first use."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url():
    with tempfile.TemporaryDirectory(prefix="sep-test-") as tmp:
        url = _database_url(Path(tmp))
        app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
            db.create_all()
            db.engine.dispose()
        yield url


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _empty_all_tables() -> None:
    """Delete every row the test left, and on PostgreSQL restart the id sequences it used.

    Most tests touch a handful of tables, so one query first asks which tables hold rows
    and only those are emptied, children first. A TRUNCATE of every table cost up to 0.7 s a
    call on PostgreSQL (twice per test); a TRUNCATE of only the written tables would need
    CASCADE, which reaches nearly every table through the firm and user keys again.
    """
    dialect = db.engine.dialect.name
    probe, order = _emptying_plan(dialect)
    written = set(db.session.scalars(text(probe)))
    for table in order:
        if table.name in written:
            db.session.execute(table.delete())
    if dialect == "postgresql":
        # What TRUNCATE ... RESTART IDENTITY did: ids start at 1 again in the next test
        # (also for a table whose inserts were rolled back, as its sequence moved on).
        db.session.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, "
                "start_value, false) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()
    db.session.commit()


_EMPTYING_PLANS: dict[str, tuple[str, list]] = {}


def _emptying_plan(dialect: str) -> tuple[str, list]:
    """The query naming the tables that hold rows, and the order to empty them in."""
    if dialect not in _EMPTYING_PLANS:
        order = list(reversed(db.metadata.sorted_tables))
        probe = " UNION ALL ".join(
            f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
            for table in order
        )
        _EMPTYING_PLANS[dialect] = (probe, order)
    return _EMPTYING_PLANS[dialect]


# --- SMTP -------------------------------------------------------------------------


class SmtpCollector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.handler = SmtpCollector()
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The real SMTP server the app delivers to, emptied for this test."""
    smtp_server.messages.clear()
    if smtp_server.controller is None:
        smtp_server.start()
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


# --- the app -------------------------------------------------------------------------


class PortalTestClient(FlaskClient):
    """Starts every request with an empty ``flask.g``, as a server would.

    The ``app`` fixture keeps an app context pushed so tests can use the
    database; Flask reuses it for the test client's requests, and without this
    the signed-in user cached on ``g`` by Flask-Login would leak from one
    request into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


def _build_app(database_url: str, smtp_port: int, **overrides):
    config = {
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    app.test_client_class = PortalTestClient
    return app


@pytest.fixture
def make_app(database_url, smtp_server):
    """Build an app of its own on the test database; extra config overrides the defaults."""
    created = []

    def build(**overrides):
        app = _build_app(database_url, smtp_server.port, **overrides)
        created.append(app)
        return app

    yield build
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def _shared_app(database_url, smtp_server):
    """One app per test process for every test that takes ``app`` as it comes.

    Building an app (URL rules compiled, extensions set up, templates loaded on first
    use, a new database connection) cost 80-180 ms, paid by ~1,100 tests on each
    database. What a test may change on it is put back after the test (see ``app``).
    """
    app = _build_app(database_url, smtp_server.port)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _setup_of(app) -> tuple:
    """What only app set-up changes: a test that adds a route or a hook needs its own app.

    Flask's hook and handler tables are defaultdicts that a lookup fills with empty
    entries, so only the functions in them are compared.
    """

    def hooks(table):
        return sorted((str(name), tuple(map(id, funcs))) for name, funcs in table.items() if funcs)

    handlers = sorted(
        (str(name), str(code), id(handler))
        for name, by_code in app.error_handler_spec.items()
        for code, by_class in by_code.items()
        for handler in by_class.values()
    )
    return (
        len(app.url_map._rules),
        hooks(app.before_request_funcs),
        hooks(app.after_request_funcs),
        hooks(app.teardown_request_funcs),
        handlers,
    )


@pytest.fixture
def app(request, make_app, _shared_app):
    """The app with empty tables. Tests marked ``fresh_app`` get one built for them alone."""
    shared = not request.node.get_closest_marker("fresh_app")
    app = _shared_app if shared else make_app()
    config = dict(app.config)
    extensions = set(app.extensions)
    setup = _setup_of(app)
    with app.app_context():
        limiter.reset()
        _empty_all_tables()
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
    # Config a test changed, and per-app caches made during it (the dashboard's), go.
    app.config.clear()
    app.config.update(config)
    for name in set(app.extensions) - extensions:
        del app.extensions[name]
    assert not shared or _setup_of(app) == setup, (
        "the test added a route, hook or error handler to the shared app: "
        "use make_app() or mark it @pytest.mark.fresh_app"
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


# --- people ------------------------------------------------------------------------------


def login_as(client, user) -> None:
    """Sign ``user`` in on ``client`` without the forms (those have their own tests)."""
    from portal.auth import sessions

    token = sessions.create_record(user, user_agent="pytest", address="127.0.0.1")
    db.session.commit()
    now = time.time()
    with client.session_transaction() as session:
        session.clear()
        session[sessions.SESSION_KEY] = token
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now


@pytest.fixture
def sign_in(client):
    def sign(user):
        db.session.commit()
        login_as(client, user)
        return client

    return sign


@pytest.fixture
def firm_a(app):
    return factories.firm("Alpha Pharmaceuticals")


@pytest.fixture
def firm_b(app):
    return factories.firm("Bravo Laboratories")


@pytest.fixture
def fda_admin(app):
    return factories.user(Role.FDA_ADMIN, email="admin@fda.example.gov", full_name="Ada Admin")


@pytest.fixture
def fda_staff(app):
    return factories.user(Role.FDA_STAFF, email="staff@fda.example.gov", full_name="Sam Staff")


@pytest.fixture
def firm_admin(firm_a):
    return factories.user(
        Role.FIRM_ADMIN, firm=firm_a, email="lead@alpha.example.com", full_name="Lee Lead"
    )


@pytest.fixture
def firm_staff(firm_a):
    return factories.user(
        Role.FIRM_STAFF, firm=firm_a, email="qa@alpha.example.com", full_name="Quinn QA"
    )


@pytest.fixture
def other_firm_admin(firm_b):
    return factories.user(
        Role.FIRM_ADMIN, firm=firm_b, email="lead@bravo.example.com", full_name="Bo Bravo"
    )


# --- measuring -------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


def without_csrf_token(html: str) -> str:
    """The page without its forms' CSRF tokens, which are signed with the current second:
    two renderings of one page a second apart differ by them and by nothing else."""
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", html)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def outbox(template: str | None = None):
    from portal.outbox.models import OutboxMessage

    stmt = db.select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        stmt = stmt.where(OutboxMessage.template == template)
    return db.session.scalars(stmt).all()


# --- a populated program, for the sweeps over every route ------------------------------------


def build_world(copy: str = "") -> SimpleNamespace:
    """Two firms with one of every record each, plus FDA people and FDA-only records."""
    from portal.feedback.models import FeedbackResponse, MeetingSurvey, SurveyTemplate
    from portal.meetings.models import MeetingStatus
    from portal.outbox.models import OutboxMessage
    from portal.timeutil import utcnow

    world = SimpleNamespace()
    world.fda_admin = factories.user(Role.FDA_ADMIN, email=f"world-admin{copy}@fda.example.gov")
    world.fda_staff = factories.user(Role.FDA_STAFF, email=f"world-staff{copy}@fda.example.gov")
    template = factories.survey_template()
    world.by_firm = {}
    for label in ("a", "b"):
        firm = factories.firm(f"World Firm {label.upper()}")
        admin = factories.user(
            Role.FIRM_ADMIN, firm=firm, email=f"admin-{label}{copy}@world.example.com"
        )
        staff = factories.user(
            Role.FIRM_STAFF, firm=firm, email=f"staff-{label}{copy}@world.example.com"
        )
        site = factories.eligible_site(firm_id=firm.id)
        contact = factories.site_contact(site)
        factories.contact_log(site, world.fda_staff)
        factories.regulatory_action(site)
        engagement = factories.engagement(firm, site=site, sent_by=world.fda_staff)
        upcoming = factories.meeting(engagement, scheduled_by=world.fda_staff)
        held = factories.meeting(
            engagement,
            starts_at=utcnow() - timedelta(days=3),
            status=MeetingStatus.HELD,
            held_at=utcnow() - timedelta(days=3),
            scheduled_by=world.fda_staff,
        )
        question = factories.question(upcoming, admin)
        document = factories_documents.document(question, admin)
        internal = factories_documents.internal_document(
            factories_messages.note(engagement, world.fda_staff), world.fda_staff
        )
        survey = factories.meeting_survey(held, template)
        response = factories.feedback_response(survey, admin)
        action = factories.quality_action(engagement, admin, meeting_id=held.id)
        event_row = factories.quality_action_event(action, admin)
        minutes = factories_minutes.published_record(held, world.fda_staff)
        invitation, _token = factories.invitation(factories.eligible_site(), world.fda_staff)
        world.by_firm[label] = SimpleNamespace(
            firm=firm,
            admin=admin,
            staff=staff,
            site=site,
            contact=contact,
            engagement=engagement,
            meeting=upcoming,
            held_meeting=held,
            question=question,
            document=document,
            internal_document=internal,
            survey=survey,
            response=response,
            action=action,
            event=event_row,
            invitation=invitation,
            minutes=minutes,
        )
    world.import_run = factories.import_run()
    world.background_job = factories_jobs.import_job()
    world.shortage_match = factories.shortage_match(world.by_firm["a"].site)
    world.shortage_entry = factories.shortage_entry()
    world.api_token, _ = factories.api_token(world.fda_admin)
    from portal.mail import queue_email

    message = queue_email(
        ["someone@example.com"],
        "password_reset",
        "Reset",
        user=world.by_firm["a"].admin,
        link="http://portal.test/x",
        expires_at=utcnow(),
    )
    db.session.flush()
    world.outbox_message = message
    a = world.by_firm["a"]
    #: Firm A's record of each model class, by the class: what the sweeps put in URLs.
    world.records = {
        type(obj): obj
        for obj in (
            a.firm,
            a.admin,
            a.site,
            a.contact,
            a.engagement,
            a.meeting,
            a.question,
            a.document,
            a.internal_document,
            a.survey,
            a.response,
            a.action,
            a.event,
            a.invitation,
            template,
            world.import_run,
            world.background_job,
            world.shortage_match,
            world.shortage_entry,
            world.api_token,
            message,
            a.minutes.record,
            a.minutes.follow_up,
            a.minutes.version,
        )
    }
    world.records[factories.Product] = a.site.products[0]
    world.records[factories.RegulatoryAction] = a.site.regulatory_actions[0]
    world.records[factories.ContactLog] = a.site.contact_logs[0]
    assert MeetingSurvey in world.records and FeedbackResponse in world.records
    assert SurveyTemplate in world.records and OutboxMessage in world.records
    db.session.commit()
    return world


@pytest.fixture
def history(app, time_machine):
    """The hand-counted program history of tests/factories_metrics.py, the clock frozen at
    its NOW (the dashboard, summary-row and export tests compare their figures with it)."""
    from tests.factories_metrics import NOW

    time_machine.move_to(NOW, tick=False)
    built = factories_metrics.build()
    db.session.commit()
    return built


@pytest.fixture
def world(app):
    return build_world()
