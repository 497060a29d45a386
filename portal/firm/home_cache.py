"""The firm's home page, cached per person under the version of what it shows (issue 15).

A page is kept under (person, firm, role, time zone, the program's and the firm's
versions, the program's today). ``freshness`` bumps a version in the transaction
of every write the page may show, so an entry is used only while no such write
has committed since it was rendered. Never one person's entry for another: the
person is part of the key (the page names them, counts their unread threads and
their own feedback answers).

Order matters under concurrent writes: the version is read *before* the page's
records. On PostgreSQL each later statement sees at least what the version
counts; SQLite reads one snapshot. So an entry is never older than its key; a
write committed while the page was rendered may already be in it, and the next
request sees its higher version and renders again.

What moves with the clock rather than with writes: the time left to a question
deadline ("3 days, 4 hours left"), a deadline passing, a meeting starting (it
leaves the upcoming list), a survey closing, and overdue actions (judged by the
program's today, part of the key). An entry expires at the first moment any of
these would change what it shows.

Nothing per request is kept: the page is rendered with a placeholder where the
CSRF token goes, which each answer fills with its own token, and a request with
a message to flash renders afresh (the message is shown once). Each worker
process keeps its own entries: one per person, at most ``MAX_ENTRIES`` people (tens of
kilobytes each).
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app, session

from portal.auth.models import User
from portal.firm import freshness
from portal.meetings.schedule import accepts_questions, question_deadline
from portal.security.form_tokens import csrf_token
from portal.timeutil import DEFAULT_TIMEZONE, program_today, utcnow

MAX_ENTRIES = 256

#: Rendered where the CSRF token goes; random per process, so no text a person typed
#: on the page can be it.
CSRF_PLACEHOLDER = "csrf-placeholder-" + secrets.token_hex(16)


class PageCache:
    """One page per person (the latest rendered), the least recently viewed dropped first:
    a page kept under an older version is replaced, not left to age out."""

    def __init__(self) -> None:
        self._entries: OrderedDict[int, tuple[tuple, str, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, person: int, key: tuple, now: datetime) -> str | None:
        with self._lock:
            entry = self._entries.get(person)
            if entry is None:
                return None
            kept_key, html, valid_until = entry
            if kept_key != key or (valid_until is not None and now >= valid_until):
                del self._entries[person]
                return None
            self._entries.move_to_end(person)
            return html

    def put(self, person: int, key: tuple, html: str, valid_until: datetime | None) -> None:
        with self._lock:
            self._entries[person] = (key, html, valid_until)
            self._entries.move_to_end(person)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


def _store() -> PageCache:
    return current_app.extensions.setdefault("firm_home_cache", PageCache())


def _time_left_changes(deadline: datetime, now: datetime) -> datetime:
    """The next moment ``describe_time_left(deadline, now)`` reads differently: it counts
    whole hours while a day or more is left, whole minutes below that."""
    seconds = int((deadline - now).total_seconds())
    step = 3600 if seconds >= 86400 else 60
    # The text stays while (deadline - moment) >= the whole steps it counts now.
    return deadline - timedelta(seconds=(seconds // step) * step) + timedelta(microseconds=1)


def next_change(sections: dict) -> datetime | None:
    """The first moment the clock alone changes the home sections (templates/firm)."""
    now = sections["upcoming_meetings"]["now"]
    moments = []
    for meeting in sections["upcoming_meetings"]["meetings"]:
        # Past its start the meeting leaves the list (another may take its place).
        moments.append(meeting.starts_at)
        if accepts_questions(meeting, now):
            deadline = question_deadline(meeting)
            # At the deadline itself the form closes (SPEC 8: to the second).
            moments += [deadline, _time_left_changes(deadline, now)]
    for survey, _meeting, _answered_at in sections["feedback_requests"]["rows"]:
        moments.append(survey.closes_at)
    return min(moments, default=None)


def page(user: User, render: Callable[[str], tuple[str, datetime | None]]) -> str:
    """The home page for ``user``: ``render(csrf_placeholder)`` gives the HTML and the
    moment it goes stale, unless a kept copy is still right."""
    if session.get("_flashes"):
        html, _valid_until = render(CSRF_PLACEHOLDER)
        return _fill(html)
    version = freshness.current_key(user.firm_id)
    if version is None:
        html, _valid_until = render(CSRF_PLACEHOLDER)
        return _fill(html)
    key = (
        user.id,
        user.firm_id,
        user.role,
        user.timezone or DEFAULT_TIMEZONE,
        version,
        program_today(),
    )
    store = _store()
    html = store.get(user.id, key, utcnow())
    if html is None:
        html, valid_until = render(CSRF_PLACEHOLDER)
        store.put(user.id, key, html, valid_until)
    return _fill(html)


def _fill(html: str) -> str:
    return html.replace(CSRF_PLACEHOLDER, csrf_token())
