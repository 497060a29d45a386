"""How records appear in the API: public ids, ISO 8601 UTC timestamps, no row ids."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, type_coerce

from portal.models import UTCDateTime


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def text(value: Any) -> Any:
    """Enums as their stored value, UUIDs as strings; everything else unchanged."""
    if isinstance(value, Enum):
        return value.value
    if value is not None and not isinstance(value, str | int | float | bool | list | dict):
        return str(value)
    return value


def latest_change(own: ColumnElement, *related: ColumnElement) -> ColumnElement:
    """The later of a record's ``updated_at`` and its related records' (NULL-safe).

    A site's eligibility changes with its products, inspections and actions; an
    engagement's regulatory flag with its site's actions; a feedback summary
    with its responses. Listing by this moment is what makes ``updated_since``
    return them when what the API shows of them changed.
    """
    result = own
    for other in related:
        candidate = func.coalesce(other, own)
        result = case((candidate > result, candidate), else_=result)
    return type_coerce(result, UTCDateTime())


def newest(column: ColumnElement, *where: Any) -> ColumnElement:
    """Correlated ``max(column)``: the newest change among related rows."""
    return select(func.max(column)).where(*where).scalar_subquery()
