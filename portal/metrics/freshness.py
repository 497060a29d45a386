"""Keeping cached dashboard figures right: every write that can move a figure bumps a version.

The dashboard's figures are cached under the version they were computed at
(``portal.metrics.cache``). Every session transaction that inserts, updates or
deletes a row of a table the figures may read raises ``metrics_version.counter``
by one, in that same transaction, just before it commits; so the new rows and
the new version become visible together, and a reader that sees the new rows
also sees the new version.

Tables are tracked unless listed in ``UNTRACKED``: a table added later is
tracked by default, so forgetting it costs speed (needless recomputation),
never correctness. The counter is raised at commit time, not at the first
write, so the row lock it takes on PostgreSQL is held for the commit only and
writers do not queue behind each other's long transactions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.metrics.models import MetricsVersion

#: Tables no figure reads, and that change on every page view or mail run: writing
#: them must not throw the cached figures away.
UNTRACKED = frozenset(
    {
        "audit_event",
        "outbox_message",
        "sent_reminder",
        "form_draft",
        "account_token",
        "recovery_code",
        "api_token",
        "metrics_version",
        "background_job",
        "outbox_delivery",
        "user_session",
        "webauthn_challenge",
        "webauthn_credential",
        "password_reset_request",
        "question_revision",
        # Who has read which thread, and how each person is told (SPEC 14).
        "message_read_marker",
        "message_notice_preference",
        "message_digest",
    }
)

#: Set in ``session.info`` once the transaction has written a tracked table.
_CHANGED = "metrics_changed"


def _tracked(objects: Iterable[object]) -> bool:
    for obj in objects:
        table = getattr(type(obj), "__table__", None)
        if getattr(table, "name", None) not in UNTRACKED:
            return True
    return False


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    # after_flush still sees the flushed objects in new / dirty / deleted.
    if _tracked(session.new) or _tracked(session.dirty) or _tracked(session.deleted):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    """Bulk ``update()`` / ``delete()`` / ``insert()`` run through the session bypass flushes."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNTRACKED:
            state.session.info[_CHANGED] = True


def note_change(session: Session) -> None:
    """A write these listeners cannot see (plain SQL text) that can move a figure."""
    session.info[_CHANGED] = True


def _bump_statement(dialect_name: str):
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    table = MetricsVersion.__table__
    statement = insert(table).values(id=1, generation=uuid.uuid4().hex, counter=1)
    # One statement whether or not the row exists yet (an emptied table, a fresh database).
    return statement.on_conflict_do_update(
        index_elements=[table.c.id], set_={"counter": table.c.counter + 1}
    )


@event.listens_for(Session, "before_commit")
def _bump_version(session: Session) -> None:
    pending = _tracked(session.new) or _tracked(session.dirty) or _tracked(session.deleted)
    if not (pending or session.info.get(_CHANGED)):
        return
    # Flush first: flushing may itself reveal more changes, all covered by this bump.
    session.flush()
    dialect = session.get_bind().dialect.name
    session.execute(_bump_statement(dialect))


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
