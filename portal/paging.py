"""Paging input for every list, read in one place.

A page number comes from a URL that a person may have bookmarked, edited or
received from someone else, so it is never trusted: anything that is not a
plain number means the first page, and a number past the end (however many
digits it has) means the last page. A stale link then shows the last page
rather than an empty one, and no value reaches the database as an OFFSET that
overflows SQLite's or PostgreSQL's 64-bit integers (issue 9, item 7).

The page size is the portal's choice, not the visitor's: ``?per_page=`` is
ignored. The API's ``limit`` is read by ``whole_number`` too and refused with
a message when out of range, since a program calling the API should be told.

``db.paginate`` (see ``portal.extensions``) answers with ``Page``; lists of
rows or of Python objects subclass it or call ``clamp_page``.
"""

from __future__ import annotations

import math
import typing as t

from flask import has_request_context, request
from flask_sqlalchemy.pagination import SelectPagination

#: Longer numbers are past the end of any list the portal holds; reading them is
#: not worth the work (and Python refuses int() of over 4,300 digits).
MAX_DIGITS = 18
DEFAULT_PER_PAGE = 20


def whole_number(raw: str | None) -> int | None:
    """``raw`` as a non-negative whole number of ASCII digits, or None.

    ``str.isdigit`` alone would let through superscripts ("²") that int() then
    refuses; over-long numbers come back as None for the caller to decide.
    """
    text = (raw or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
        return None
    return int(text)


def requested_page(raw: str | None = None) -> int:
    """The page asked for by ``?page=``: 1 when absent or not a number, huge when past the end.

    The caller clamps a huge number to the last page (``clamp_page``).
    """
    if raw is None and has_request_context():
        raw = request.args.get("page")
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) > MAX_DIGITS:
        return 10**MAX_DIGITS
    number = whole_number(text)
    return max(number or 1, 1)


def requested_page_or_last(raw: str | None = None) -> int:
    """Like ``requested_page``, but with no ``?page=`` at all, the last page: a
    conversation opens on its newest messages (SPEC 14). The caller clamps."""
    if raw is None and has_request_context():
        raw = request.args.get("page")
    if raw is None:
        return 10**MAX_DIGITS
    return requested_page(raw)


def clamp_page(requested: int | None, total: int, per_page: int) -> int:
    """A page number between 1 and the last page of ``total`` items."""
    last = max(1, math.ceil(total / per_page))
    return min(max(requested or 1, 1), last)


class Page(SelectPagination):
    """``db.paginate``'s result, counted first so that the page can be clamped to the last one.

    Two queries, like Flask-SQLAlchemy's own: the count, then the items.
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = False,
        count: bool = True,
        **kwargs: t.Any,
    ) -> None:
        self._query_args = kwargs
        self.per_page = max(per_page or DEFAULT_PER_PAGE, 1)
        self.max_per_page = max_per_page
        requested = requested_page() if page is None else page
        self.total = self._query_count()
        self.page = clamp_page(requested, self.total, self.per_page)
        self.items = self._query_items()
