"""Keeping cached firm pages right: every write a firm's home may show bumps a version.

The firm's home page is cached under (among others) its firm's version and the
program's (``portal.firm.home_cache``). Every session transaction that writes a
tracked row raises, just before it commits and in that same transaction, the
counter of each firm whose rows it wrote (a row's ``firm_id``; a ``Firm``'s own
id), or the program's counter when the row names no firm (a site, a program
setting, an FDA person) or when a bulk ``update()`` / ``delete()`` / ``insert()``
through the session hides which rows it touched. The new rows and the new
version become visible together, so a reader that sees one sees the other.

Why a flush listener and not database triggers: the portal's writes, bulk ones
included, go through the session, which sees each object's firm; a trigger per
table and per database (and lifting them in every SQLite batch migration) would
also catch SQL typed by hand, which the portal never relies on. The one write
path that bypasses the session, the search index's (``session.connection()``),
writes a table no firm page shows.

Tables are tracked unless listed in ``UNTRACKED``: a table added later is
tracked by default, so forgetting it costs speed (a needless re-render), never
correctness. A write to one firm's records leaves every other firm's pages cached.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask import has_request_context, request
from sqlalchemy import bindparam, event, inspect, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.auth.models import Firm
from portal.extensions import db
from portal.firm.models import PROGRAM_ROW, FirmVersion

#: Tables no firm page shows, and that change on every page view, sign-in or mail run:
#: writing them must not throw cached pages away.
UNTRACKED = frozenset(
    {
        "audit_event",
        "outbox_message",
        "outbox_delivery",
        "sent_reminder",
        "form_draft",
        "account_token",
        "recovery_code",
        "api_token",
        "metrics_version",
        "firm_version",
        "background_job",
        "user_session",
        "webauthn_challenge",
        "webauthn_credential",
        "password_reset_request",
        "question_revision",
        "message_notice_preference",
        "message_digest",
        "search_entry",
    }
)

#: ``session.info`` keys: the firms written in this transaction, and whether a write
#: may show on every firm's pages.
_FIRMS = "firm_versions_changed"
_PROGRAM = "firm_versions_program_changed"


def _table_name(obj: object) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _note(session: Session, objects: Iterable[object]) -> None:
    firms: set[int] = session.info.setdefault(_FIRMS, set())
    for obj in objects:
        if _table_name(obj) in UNTRACKED:
            continue
        if isinstance(obj, Firm):
            firms.add(obj.id)
            continue
        state = inspect(obj)
        if "firm_id" not in state.attrs:
            session.info[_PROGRAM] = True
            continue
        # The history covers a row moved from one firm to another (both firms' pages
        # change) and never loads anything from the database.
        history = state.attrs.firm_id.history
        values = {value for value in (*history.added, *history.unchanged, *history.deleted)}
        values.discard(None)
        if not values:
            # No firm (an FDA person) or not loaded: every firm's page may show it.
            session.info[_PROGRAM] = True
        firms.update(values)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    # after_flush still sees the flushed objects in new / dirty / deleted.
    _note(session, session.new)
    _note(session, session.dirty)
    _note(session, session.deleted)


def _inserted_firms(state) -> set[int] | None:
    """The firms an ``insert()`` names in its rows' ``firm_id`` (a read marker), or None
    when a row names none."""
    rows = state.parameters
    if not rows:
        dialect = state.session.get_bind().dialect
        rows = state.statement.compile(dialect=dialect).params
    firms = {row.get("firm_id") for row in (rows if isinstance(rows, list) else [rows])}
    return None if not firms or None in firms else firms


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    """Statements run through the session bypass flushes. An insert names its firms; for
    an ``update()`` or ``delete()`` which firms it wrote is not known here, so every
    firm's pages are refreshed."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in UNTRACKED:
        return
    firms = _inserted_firms(state) if state.is_insert else None
    if firms is None:
        state.session.info[_PROGRAM] = True
    else:
        state.session.info.setdefault(_FIRMS, set()).update(firms)


def note_program_change(session: Session) -> None:
    """A write these listeners cannot see that any firm's page may show."""
    session.info[_PROGRAM] = True


def _bump_statement(dialect_name: str, firms: list[int], program: bool):
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    table = FirmVersion.__table__
    # The program row first and the firms in order: concurrent writers lock rows in one
    # order on PostgreSQL, so they queue instead of deadlocking. The program row is
    # written (+0) even when only firms changed, so that it exists: readers key pages by
    # its generation and cache nothing without it.
    rows = [{"firm_id": PROGRAM_ROW, "generation": uuid.uuid4().hex, "counter": int(program)}]
    rows += [{"firm_id": firm, "generation": uuid.uuid4().hex, "counter": 1} for firm in firms]
    statement = insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c.firm_id],
        set_={"counter": table.c.counter + statement.excluded.counter},
    )


@event.listens_for(Session, "before_commit")
def _bump_versions(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        # Flushing may reveal more changes, all covered by this bump.
        session.flush()
    firms = sorted(firm for firm in session.info.get(_FIRMS, ()) if firm != PROGRAM_ROW)
    program = bool(session.info.get(_PROGRAM))
    if not (firms or program):
        return
    connection = session.connection()
    # On the connection, not session.execute: other listeners (the dashboard's version)
    # must not take this bookkeeping for a change of the records.
    connection.execute(_bump_statement(connection.dialect.name, firms, program))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_FIRMS, None)
        session.info.pop(_PROGRAM, None)


#: Built once: this read runs on every view of a firm's home page.
_VERSIONS = select(
    FirmVersion.__table__.c.firm_id,
    FirmVersion.__table__.c.generation,
    FirmVersion.__table__.c.counter,
).where(
    or_(
        FirmVersion.__table__.c.firm_id == PROGRAM_ROW,
        FirmVersion.__table__.c.firm_id == bindparam("firm_id"),
    )
)


# Table aliases rather than ORM ones: built at import, an ORM alias would configure the
# mappers before every model module is imported.
_PROGRAM_VERSION = FirmVersion.__table__.alias("program_version")
_OWN_VERSION = FirmVersion.__table__.alias("own_firm_version")


def with_key(statement, firm_id_column):
    """``statement`` (the user loader's read of the signed-in person) also reading the
    versions ``current_key`` gives: their own read was one round trip more on every view
    of the firm's home (issue 15). Pass the result row's last four values to ``keep_key``."""
    return (
        statement.add_columns(
            _PROGRAM_VERSION.c.generation,
            _PROGRAM_VERSION.c.counter,
            _OWN_VERSION.c.generation,
            _OWN_VERSION.c.counter,
        )
        .outerjoin(_PROGRAM_VERSION, _PROGRAM_VERSION.c.firm_id == PROGRAM_ROW)
        .outerjoin(_OWN_VERSION, _OWN_VERSION.c.firm_id == firm_id_column)
    )


#: Where ``keep_key`` leaves the versions, for this request only (the request's environ,
#: as ``g`` can outlive a request in the tests' client).
_KEPT_KEY = "portal.firm_version_key"


def keep_key(firm_id: int | None, program_generation, program_counter, own_generation, own_counter):
    """Keep the versions read with the person for ``current_key`` in this request. Read
    before any record the page shows, they are as early as its own read would be."""
    if firm_id is None or not has_request_context():
        return
    request.environ[_KEPT_KEY] = (
        firm_id,
        _key(program_generation, program_counter, own_generation, own_counter),
    )


def _key(program_generation, program_counter, own_generation, own_counter) -> tuple | None:
    if program_generation is None:
        return None
    # A firm that has never been written has no row: (None, 0) until its first write.
    return (program_generation, program_counter), (own_generation, own_counter or 0)


def current_key(firm_id: int) -> tuple | None:
    """The program's and the firm's (generation, counter): the ones read with the person
    in this request, else one read. None before the first write has created the program
    row (nothing is cached then)."""
    kept = request.environ.pop(_KEPT_KEY, None) if has_request_context() else None
    if kept is not None and kept[0] == firm_id:
        return kept[1]
    rows = db.session.connection().execute(_VERSIONS, {"firm_id": firm_id}).all()
    found = {row.firm_id: (row.generation, row.counter) for row in rows}
    if PROGRAM_ROW not in found:
        return None
    return _key(*found[PROGRAM_ROW], *found.get(firm_id, (None, 0)))
