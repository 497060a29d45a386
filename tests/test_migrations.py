"""The Alembic migrations build exactly the schema the models describe (and undo it)."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db


def _fresh_database_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    base = make_url(url)
    name = f"{base.database}_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _describe(difference) -> str:
    if isinstance(difference, list):  # column modifications come grouped
        return "; ".join(_describe(item) for item in difference)
    operation, *details = difference
    names = [
        getattr(d, "name", None) or getattr(getattr(d, "table", None), "name", None)
        for d in details
    ]
    return f"{operation} {' '.join(str(n) for n in names if n)}"


def _trigger_names(engine) -> set[str]:
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


def test_upgrade_matches_the_models_and_downgrade_removes_everything(tmp_path):
    app = create_app(
        {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": _fresh_database_url(tmp_path)}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        summary = [_describe(difference) for difference in differences]
        assert summary == [], f"models and migrations disagree (add a migration): {summary}"
        # The API's change keys live in triggers, which compare_metadata cannot see; SQLite's
        # batch mode drops a table's triggers when it rebuilds the table.
        migrated_triggers = _trigger_names(db.engine)
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.create_all()
        assert migrated_triggers == _trigger_names(db.engine)
        assert migrated_triggers, "the change keys' triggers exist"
        db.drop_all()
        db.engine.dispose()
