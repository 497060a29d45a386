"""Fewer waits on PostgreSQL for the statements every signed-in page runs (issue 15).

On PostgreSQL each statement is a round trip to another process: about 140 µs here,
a third of it CPU in the web worker. A cached page (the firm's home) used to wait six
times: the pool's liveness ping, BEGIN, the person and their session, the page's
version, the audit row, COMMIT. Three mechanisms bring it to two:

- **Ping only a connection that sat idle.** SQLAlchemy's ``pool_pre_ping`` pings on
  every checkout. A connection returned to the pool a moment ago was alive a moment
  ago; one idle for ``PING_AFTER_IDLE_SECONDS`` (a restarted database, a dropped
  network) is pinged, and replaced if it does not answer, before a request uses it.
- **The request's first read runs outside a transaction** (``first_read``). A single
  statement is its own snapshot, and under READ COMMITTED (the portal's level) every
  statement of a transaction takes a new snapshot anyway, so nothing is lost; only
  the BEGIN before it is saved. Used for the person-and-session read that opens every
  signed-in request.
- **A page's audit row commits itself** (``insert_row``) when the page's reads
  left no transaction open: the INSERT alone, without BEGIN and COMMIT around it.
  (psycopg's pipeline mode would not save them: leaving it waits for one more sync.)

On SQLite there is no other process to wait for and its driver begins a transaction
only before a write, but a page's audit row committing itself still matters: SQLite
has one writer at a time, and the lock is then held for the INSERT alone rather than
through the session's commit, so the other worker's audit row waits less often.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.pq import TransactionStatus
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

#: A pooled connection idle longer than this is pinged before use. Under load connections
#: go back and forth within milliseconds. A connection lost within this time of its last
#: use fails the one request that takes it next, and SQLAlchemy, seeing the disconnect,
#: then replaces every connection of the pool (as it would for a loss between a ping and
#: the statement after it).
PING_AFTER_IDLE_SECONDS = 10.0

#: ``ConnectionRecord.info`` key: when the connection was last returned to the pool.
_RETURNED_AT = "portal.returned_at"


@event.listens_for(Engine, "checkin")
def _note_return(_dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info[_RETURNED_AT] = time.monotonic()


@event.listens_for(Engine, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, _proxy) -> None:
    """The liveness check ``pool_pre_ping`` made on every checkout, made only after idling.

    Raising ``DisconnectionError`` makes the pool discard this connection and open a new
    one (SQLAlchemy's documented pessimistic disconnect handling)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        # A file: nothing between the worker and the database can drop it.
        return
    returned_at = connection_record.info.get(_RETURNED_AT)
    if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        _ping(dbapi_connection)
    except Exception as error:
        raise exc.DisconnectionError(f"pooled connection did not answer: {error}") from error


def _ping(dbapi_connection) -> None:
    was_autocommit = dbapi_connection.autocommit
    # Outside a transaction, so that the ping leaves none open behind it.
    dbapi_connection.autocommit = True
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = was_autocommit


@contextmanager
def _outside_transaction(session: Session) -> Iterator[tuple[Connection, bool]]:
    """The session's connection, and whether statements run on it commit themselves: so
    they do when it has no transaction open; otherwise they join the open one, as usual."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        if driver.in_transaction:
            yield connection, False
            return
        # The driver's own autocommit mode (no implicit BEGIN before a write).
        previous = driver.isolation_level
        driver.isolation_level = None
        try:
            yield connection, True
        finally:
            driver.isolation_level = previous
        return
    if connection.dialect.name != "postgresql" or driver is None:
        yield connection, False
        return
    if driver.info.transaction_status != TransactionStatus.IDLE:
        yield connection, False
        return
    driver.autocommit = True
    try:
        yield connection, True
    finally:
        if not driver.closed:
            # Nothing is open (each statement committed itself): the mode may change back.
            driver.autocommit = False


def first_read(session: Session, statement, parameters: dict):
    """``session.execute(statement, parameters)``, without a BEGIN before it when it is the
    first statement of the session's transaction (see the module)."""
    with _outside_transaction(session):
        return session.execute(statement, parameters)


def insert_row(session: Session, statement, values: dict) -> bool:
    """Run ``statement`` (an INSERT returning nothing) on the session's connection; True
    when it committed itself. With no transaction open (the request's reads ran outside
    one, see ``first_read``) the INSERT is sent alone and commits itself: on PostgreSQL
    the BEGIN and COMMIT around it are two waits saved; on SQLite the one writer's lock
    is held for the INSERT alone. Otherwise (False) it joins the open transaction, which
    the caller commits as usual."""
    with _outside_transaction(session) as (connection, alone):
        connection.execute(statement, values)
    return alone
