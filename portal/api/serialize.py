"""How records appear in the API: public ids, ISO 8601 UTC timestamps, no row ids."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def text(value: Any) -> Any:
    """Enums as their stored value, UUIDs as strings; everything else unchanged."""
    if isinstance(value, Enum):
        return value.value
    if value is not None and not isinstance(value, str | int | float | bool | list | dict):
        return str(value)
    return value
