"""Who commits (docs/CONVENTIONS.md "Changing state"): the request owns the transaction.

Services add and flush; the view commits once the whole change has succeeded, and
commands and workers commit in their own loop. A service that must find out whether
a write conflicts (a unique key another request took a moment ago) writes inside
`savepoint()`, so that a refusal undoes only its own statements and never the work
its caller did before calling it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import SessionTransaction

from portal.extensions import db


@contextmanager
def savepoint() -> Iterator[SessionTransaction]:
    """``with savepoint(): ...`` flushes on leaving; an error undoes only what ran inside.

    Python's sqlite3 driver begins a transaction only before its first INSERT, UPDATE
    or DELETE. A SAVEPOINT sent before that would start a transaction of its own, and
    releasing it would commit early, behind the caller's back; so on SQLite the outer
    transaction is begun explicitly first. IMMEDIATE, because a savepoint is there to
    write: taking the write lock at once waits for another writer, where a read lock
    upgraded later could only fail ("database is locked") to avoid a deadlock.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver_connection = connection.connection.dbapi_connection
        if driver_connection is not None and not driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    with db.session.begin_nested() as nested:
        yield nested
