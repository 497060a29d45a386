"""Dashboard figures cached under the version of the records they were computed from.

Both a cache and summary tables (issue 15): a cache hit costs one query, but on a
busy program most views follow a write; the summary rows ``summary``'s triggers keep
in the writing transaction make that first computation cheap too (a sum over the
period's days instead of a read of every question). The cache stays because the
figures summary rows cannot give alone (the latest letter per site, the sites called)
still read their tables, by index. ``freshness`` bumps the version in the transaction
of every write that can move a figure, so a cached entry is used only while no such
write has committed since it was computed.

Order matters under concurrent writes: the version is read *before* the figures
are computed. The figures then include at least every change the version counts
(PostgreSQL reads committed rows; SQLite reads one snapshot), so an entry is
never older than its key. A write committed during the computation may already
be in the figures; the next reader sees its higher version and recomputes.

Two figures move with the clock, not with writes: "overdue" actions (as of
today) and letters whose link lapses. Today's date is part of the key, and an
entry expires at the next moment a letter's link lapses.

The page's charts and tables are rendered once per entry and kept beside its figures
(``page_figures_for``): they are the same HTML for every FDA reader of that period and
version, and drawing them took a third of a cache hit's time.

Each worker process keeps its own entries (a few kilobytes each, at most
``MAX_ENTRIES``); a worker computes a period once per version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.invitations.models import Invitation, InvitationStatus
from portal.metrics.measures import Measures, compute
from portal.metrics.models import MetricsVersion
from portal.metrics.period import Period
from portal.timeutil import program_today, utcnow

MAX_ENTRIES = 64


@dataclass
class _Entry:
    measures: Measures
    #: None: valid until the version moves.
    valid_until: datetime | None
    #: The page's charts and tables drawn from ``measures``, once a page has asked.
    html: str | None = None


class MeasuresCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, now: datetime) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.valid_until is not None and now >= entry.valid_until:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


def _store() -> MeasuresCache:
    return current_app.extensions.setdefault("metrics_cache", MeasuresCache())


def current_version() -> tuple[str, int] | None:
    row = db.session.execute(
        select(MetricsVersion.generation, MetricsVersion.counter).where(MetricsVersion.id == 1)
    ).first()
    return None if row is None else (row[0], row[1])


def _next_lapse(now: datetime) -> datetime | None:
    """When the next open letter's link lapses: the participation figures change then."""
    return db.session.scalar(
        select(func.min(Invitation.expires_at)).where(
            Invitation.status == InvitationStatus.SENT, Invitation.expires_at > now
        )
    )


def _entry_for(period: Period) -> _Entry:
    version = current_version()
    if version is None:
        # No version row yet: nothing to key an entry by, so nothing is kept.
        return _Entry(compute(period), None)
    key = (version, period.first_day, period.last_day, period.fiscal_year, program_today())
    now = utcnow()
    store = _store()
    entry = store.get(key, now)
    if entry is None:
        entry = _Entry(compute(period), _next_lapse(now))
        store.put(key, entry)
    return entry


def measures_for(period: Period) -> Measures:
    """``compute(period)``, from the cache when no write has committed since it was computed."""
    return _entry_for(period).measures


def page_figures_for(period: Period, render: Callable[[Measures], str]) -> str:
    """The page's figures as ``render`` draws them, drawn once per cached entry.

    Two readers of a fresh entry may both draw it: they draw the same text, and
    the last one kept is as good as the first.
    """
    entry = _entry_for(period)
    if entry.html is None:
        entry.html = render(entry.measures)
    return entry.html
