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
from portal.search import models as search_models


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


def _virtual_tables(engine) -> set[str]:
    """SQLite's FTS5 tables (the search index, issue 13): made by DDL, not described by
    the metadata, so compared by name below rather than by compare_metadata."""
    if engine.dialect.name != "sqlite":
        return set()
    query = "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


def _outside_the_metadata(engine):
    """compare_metadata's filter: a virtual table and its shadow tables (``<name>_data``,
    ``_idx``, ...) are the engine's, not the models', and the search's tsvector column and
    its GIN index are made by DDL (compared by name instead)."""
    virtual = _virtual_tables(engine)

    def include_name(name, type_, parent_names):
        if type_ == "index":
            return name not in search_models.DDL_INDEXES
        if type_ == "column":
            return name not in search_models.DDL_COLUMNS
        if type_ != "table" or not name:
            return True
        return not any(name == v or name.startswith(f"{v}_") for v in virtual)

    return include_name


def _index_names(engine) -> set[str]:
    """Every index, including PostgreSQL's expression index over the search terms, which
    compare_metadata does not see (it is made by DDL on the table, not in the metadata)."""
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'",
    }[engine.dialect.name]
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars()) - {"alembic_version_pkc"}


def test_upgrade_matches_the_models_and_downgrade_removes_everything(tmp_path):
    app = create_app(
        {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": _fresh_database_url(tmp_path)}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_name": _outside_the_metadata(db.engine)},
            )
            differences = compare_metadata(context, db.metadata)
        summary = [_describe(difference) for difference in differences]
        assert summary == [], f"models and migrations disagree (add a migration): {summary}"
        # The API's change keys live in triggers, which compare_metadata cannot see; SQLite's
        # batch mode drops a table's triggers when it rebuilds the table.
        migrated_triggers = _trigger_names(db.engine)
        migrated_virtual = _virtual_tables(db.engine)
        migrated_indexes = _index_names(db.engine)
        migrated_columns = {c["name"] for c in inspect(db.engine).get_columns("search_entry")}
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.create_all()
        assert migrated_triggers == _trigger_names(db.engine)
        assert migrated_triggers, "the change keys' triggers exist"
        assert migrated_virtual == _virtual_tables(db.engine)
        assert migrated_indexes == _index_names(db.engine)
        assert migrated_columns == {
            c["name"] for c in inspect(db.engine).get_columns("search_entry")
        }
        search_index = (
            "search_entry_fts" if db.engine.dialect.name == "sqlite" else ("ix_search_entry_terms")
        )
        assert search_index in migrated_virtual | migrated_indexes
        db.drop_all()
        db.engine.dispose()


def test_the_search_migration_backfills_existing_records(tmp_path):
    """i13s_0001 fills the search index from records that predate it (issue 13)."""
    from flask_migrate import stamp
    from sqlalchemy import select

    from portal.auth.models import Role
    from portal.search.models import SearchEntry
    from portal.search.text import parse_query
    from tests import factories

    app = create_app(
        {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": _fresh_database_url(tmp_path)}
    )
    with app.app_context():
        db.create_all()
        firm = factories.firm("Backfill Pharma")
        fda = factories.user(Role.FDA_STAFF, email="fda@fda.example.gov")
        author = factories.user(Role.FIRM_ADMIN, firm=firm, email="a@backfill.example.com")
        meeting = factories.meeting(factories.engagement(firm, sent_by=fda), scheduled_by=fda)
        question = factories.question(meeting, author, body_html="<p>Lyophilizer loading</p>")
        db.session.commit()
        question_id = question.id
        # Reading the id began a transaction that holds locks a downgrade's DDL would wait for.
        db.session.remove()
        stamp(revision="head")
        # Back to the revision before search: the index and its entries are gone.
        downgrade(revision="i13d_0001")
        assert "search_entry" not in inspect(db.engine).get_table_names()
        upgrade()
        db.session.remove()
        entries = db.session.execute(select(SearchEntry.kind, SearchEntry.source_id)).all()
        assert entries == [("question", question_id)]
        from portal.search.queries import Filters, search_statement

        stmt = search_statement(parse_query("lyophil"), Filters())
        assert [e.source_id for e in db.session.scalars(stmt)] == [question_id]
        db.session.remove()
        downgrade(revision="i13d_0001")
        db.drop_all()
        db.engine.dispose()
