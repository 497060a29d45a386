"""Cursor pagination and the ``updated_since`` filter shared by every API list.

Records are listed in the order they last changed, (updated_at, public id),
and a page ends with an opaque cursor: the position after its last record,
signed so a client cannot forge one, tied to one resource, and free of row
ids (STYLE: sequential ids would count the program's participants). Paging
is keyset-based, so it is complete and stable: records that do not change
are each seen exactly once however the pages are fetched, and a record that
changes moves to the end, where a sync by ``updated_since`` expects it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, or_

from portal.api.errors import ApiError
from portal.paging import whole_number

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: tuple[datetime, uuid.UUID] | None
    updated_since: datetime | None


def _serializer(resource: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"api-cursor:{resource}")


def encode_cursor(resource: str, updated_at: datetime, public_id: uuid.UUID) -> str:
    return _serializer(resource).dumps([updated_at.isoformat(), str(public_id)])


def _decode_cursor(resource: str, raw: str) -> tuple[datetime, uuid.UUID]:
    refusal = ApiError(
        400,
        "cursor is not one this list gave out: use the next_cursor of the previous page "
        "unchanged, or leave cursor out to start from the beginning.",
        parameter="cursor",
    )
    try:
        moment, public_id = _serializer(resource).loads(raw)
        after = datetime.fromisoformat(moment), uuid.UUID(public_id)
    except (BadSignature, ValueError, TypeError) as error:
        raise refusal from error
    # Every cursor given out names its moment in UTC; one without an offset was not
    # (and would reach the UTC columns as a naive time, a 500).
    if after[0].utcoffset() is None:
        raise refusal
    return after


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    number = whole_number(raw)
    if number is None or not 1 <= number <= MAX_LIMIT:
        raise ApiError(
            400, f"limit must be a whole number from 1 to {MAX_LIMIT}.", parameter="limit"
        )
    return number


def parse_updated_since(raw: str | None) -> datetime | None:
    """An ISO 8601 date-time with its offset, e.g. 2024-10-01T00:00:00Z."""
    if raw is None:
        return None
    message = (
        "updated_since must be an ISO 8601 date and time with a time zone offset, "
        "for example 2024-10-01T00:00:00Z or 2024-10-01T00:00:00-04:00."
    )
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as error:
        raise ApiError(400, message, parameter="updated_since") from error
    if moment.tzinfo is None or "T" not in raw.upper():
        raise ApiError(400, message, parameter="updated_since")
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise ApiError(400, message, parameter="updated_since") from error


def page_request(resource: str) -> PageRequest:
    cursor = request.args.get("cursor")
    return PageRequest(
        limit=parse_limit(request.args.get("limit")),
        after=_decode_cursor(resource, cursor) if cursor is not None else None,
        updated_since=parse_updated_since(request.args.get("updated_since")),
    )


def keyset_page(keys: Select, page: PageRequest) -> Select:
    """Narrow ``keys`` (a select with ``updated_at`` and ``public_id`` columns) to one page.

    One row more than the limit is fetched: its presence says there is a next page.
    """
    keyed = keys.subquery()
    updated_at, public_id = keyed.c.updated_at, keyed.c.public_id
    stmt = keyed.select()
    if page.updated_since is not None:
        stmt = stmt.where(updated_at >= page.updated_since)
    if page.after is not None:
        moment, last_id = page.after
        # The first condition repeats what the second implies, so that the planner reads
        # the (updated_at, public_id) index from the cursor on instead of from the start.
        stmt = stmt.where(
            updated_at >= moment,
            or_(updated_at > moment, and_(updated_at == moment, public_id > last_id)),
        )
    return stmt.order_by(updated_at, public_id).limit(page.limit + 1)
