"""Insert a row unless its unique key already exists, without failing the transaction.

Two scheduled runs of `flask reminders send`, or two requests that both find
no default survey template, may try to write the same row at once. A plain
INSERT would make one of them fail with an IntegrityError and lose everything
else in its transaction; ``ON CONFLICT DO NOTHING`` lets the second one wait
for the first and then simply write nothing. PostgreSQL and SQLite both speak it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def insert_unless_exists(model: type, **values: Any) -> bool:
    """Insert one row of ``model``; False when a row with the same unique key was already there."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = inspect(model).primary_key[0]
    # RETURNING says whether a row was written (rowcount is -1 under psycopg's RETURNING).
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(key)
    return db.session.execute(statement).first() is not None
