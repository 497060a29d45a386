"""Tenancy in the session (STYLE "Confidentiality by construction", item 0).

While a firm user's request runs, the database session itself narrows every ORM
read of a `FirmOwned` model to their firm: plain `select()`, `session.get`, and
relationship loads, lazy or eager (SQLAlchemy's `with_loader_criteria`, the
pattern of its `examples/extending_query/filter_public.py`). A query that forgets
`security.scoping` still returns nothing of another firm.

The scope is declared, never guessed: `firm_scope(firm_id)` for a firm user's
request, `program_scope()` for FDA pages, the API, commands and workers, which
read across firms on purpose. A session with no declared scope is unfiltered,
as outside a request (migrations, the shell, tests' own set-up).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import event, false
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.models import FdaOnly, FirmOwned

_KEY = "tenancy"


@dataclass(frozen=True)
class Scope:
    #: The one firm whose records this session may read; None: the whole program.
    firm_id: int | None

    @property
    def is_program(self) -> bool:
        return self.firm_id is None


PROGRAM = Scope(firm_id=None)


def declare(session: Session, scope: Scope | None) -> None:
    """Set (or with None, clear) the scope of ``session`` for what follows."""
    if scope is None:
        session.info.pop(_KEY, None)
    else:
        session.info[_KEY] = scope


def current_scope(session: Session) -> Scope | None:
    return session.info.get(_KEY)


def firm_scope(session: Session, firm_id: int) -> None:
    declare(session, Scope(firm_id=firm_id))


@contextmanager
def program_scope(session: Session) -> Iterator[None]:
    """Read across firms for the duration (FDA work, commands, workers), then restore."""
    before = current_scope(session)
    declare(session, PROGRAM)
    try:
        yield
    finally:
        declare(session, before)


@event.listens_for(Session, "do_orm_execute")
def _narrow_to_the_firm(state: ORMExecuteState) -> None:
    scope = current_scope(state.session)
    if scope is None or scope.is_program:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load:
        # Refreshing a row already loaded (under this scope) adds nothing new.
        return
    state.statement = state.statement.options(*_firm_criteria(scope.firm_id))


@lru_cache(maxsize=1024)
def _firm_criteria(firm_id: int) -> tuple:
    """The options that narrow a statement to one firm, made once per firm: making them
    for each of a page's statements was a twentieth of a firm page's time (issue 15)."""
    return (
        with_loader_criteria(
            FirmOwned,
            lambda cls: cls.firm_id == firm_id,
            include_aliases=True,
        ),
        # FDA's own notes on a firm's records: however a firm user's query is written
        # (a join, a lazy load, a forgotten scope), it finds none of them.
        with_loader_criteria(FdaOnly, lambda cls: false(), include_aliases=True),
    )
