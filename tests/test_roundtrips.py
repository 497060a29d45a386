"""Fewer waits on the database for every signed-in page (portal.roundtrips, issue 15):
idle connections pinged and replaced, the first read outside a transaction, the audit row
committing itself, and the web entry point freezing what it built at import."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert, select, text

from portal import roundtrips
from portal.audit.models import AuditEvent
from portal.auth.models import Firm, User
from portal.extensions import db
from tests.conftest import is_postgres

ROOT = Path(__file__).resolve().parent.parent


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _transaction_open() -> bool:
    driver = db.session.connection().connection.driver_connection
    if _postgres():
        return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return driver.in_transaction


def test_a_connection_back_from_the_pool_a_moment_ago_is_not_pinged(app, monkeypatch):
    pings = []
    monkeypatch.setattr(roundtrips, "_ping", pings.append)
    for _ in range(3):
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    assert pings == []

    monkeypatch.setattr(roundtrips, "PING_AFTER_IDLE_SECONDS", 0.0)
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    # A SQLite file has no server to lose: its connections are never pinged.
    assert len(pings) == (1 if _postgres() else 0)


def test_a_connection_that_died_while_idle_is_replaced_before_a_page_uses_it(
    app, database_url, sign_in, firm_admin, monkeypatch
):
    client = sign_in(firm_admin)
    db.session.remove()
    db.engine.dispose()
    assert client.get("/firm").status_code == 200
    db.session.remove()
    if is_postgres(database_url):
        # The server ends the pooled connection (a restart, an administrator, a network
        # cut) while it waits in the pool.
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as killer:
            ended = killer.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        assert ended >= 1
    monkeypatch.setattr(roundtrips, "PING_AFTER_IDLE_SECONDS", 0.0)

    response = client.get("/firm")

    assert response.status_code == 200
    assert b"Alpha Pharmaceuticals" in response.data


def test_the_first_read_of_a_request_leaves_no_transaction_open(app, firm_admin):
    user_id = firm_admin.id
    db.session.commit()
    db.session.close()

    row = roundtrips.first_read(
        db.session, select(User.email).where(User.id == user_id), {}
    ).first()

    assert row.email == "lead@alpha.example.com"
    assert not _transaction_open()
    # The next statement begins a transaction as usual.
    db.session.execute(select(Firm.id)).all()
    assert _transaction_open() == _postgres()


def test_a_first_read_after_a_write_stays_inside_its_transaction(app, firm_a):
    db.session.commit()
    firm_a.name = "Renamed, never committed"
    db.session.flush()

    roundtrips.first_read(db.session, select(Firm.name).where(Firm.id == firm_a.id), {}).all()
    db.session.rollback()

    assert db.session.get(Firm, firm_a.id).name == "Alpha Pharmaceuticals"


def _event(detail: str) -> dict:
    return {
        "occurred_at": datetime.now(UTC),
        "actor_id": None,
        "actor_email": "",
        "actor_role": "",
        "firm_id": None,
        "action": "page.view",
        "object_type": "",
        "object_id": "",
        "client_address": "127.0.0.1",
        "detail": detail,
    }


def _details_seen_elsewhere(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(select(AuditEvent.detail).order_by(AuditEvent.id)).scalars()
            )
    finally:
        engine.dispose()


def test_an_event_inserted_with_no_transaction_open_commits_itself(app, database_url):
    db.session.close()

    alone = roundtrips.insert_row(
        db.session, insert(AuditEvent.__table__).inline(), _event("alone")
    )

    # Saved already: the caller need not commit (write_view_audit does not).
    assert alone is True
    assert _details_seen_elsewhere(database_url) == ["alone"]
    assert not _transaction_open()


def test_an_event_inserted_after_a_write_waits_for_its_commit(app, database_url, firm_a):
    db.session.commit()
    firm_a.name = "Renamed with its event"
    db.session.flush()

    alone = roundtrips.insert_row(
        db.session, insert(AuditEvent.__table__).inline(), _event("with the change")
    )
    # Inside the open transaction: nothing is saved until the caller commits.
    assert alone is False
    assert _details_seen_elsewhere(database_url) == []
    db.session.commit()

    assert _details_seen_elsewhere(database_url) == ["with the change"]
    assert db.session.get(Firm, firm_a.id).name == "Renamed with its event"


def test_the_web_entry_point_freezes_what_it_built_at_import(tmp_path):
    environment = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        PORTAL_ENV="development",
        SECRET_KEY="a key for this test only",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    # The app's models, templates and routes: tens of thousands of objects at least.
    assert int(result.stdout.split()[-1]) > 10_000
