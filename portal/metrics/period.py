"""The period a figure covers: a federal fiscal year or a date range.

Days are counted in the program's own zone, Eastern Time (FDA headquarters),
not the viewer's: FY2025 must mean the same records to every viewer, to the
CSV exports and to the API. The page names the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.timeutil import (
    PROGRAM_TIMEZONE,
    fiscal_year,
    fiscal_year_bounds,
    format_date,
    program_today,
    to_local,
    zone,
)

#: The first fiscal year offered: the program's inspection window starts with FY2017.
FIRST_FISCAL_YEAR = 2017
#: Dates outside these years are refused (a typo, not a period of the program).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def fiscal_year_of(moment: datetime) -> int:
    """The fiscal year an instant falls in, its day counted in the program's zone."""
    return fiscal_year(to_local(moment, PROGRAM_TIMEZONE).date())


def current_fiscal_year() -> int:
    return fiscal_year(program_today())


def fiscal_year_choices() -> list[int]:
    """From the current fiscal year back to the first, newest first."""
    return list(range(current_fiscal_year(), FIRST_FISCAL_YEAR - 1, -1))


@dataclass(frozen=True)
class Period:
    """Whole days ``first_day`` .. ``last_day`` in the program's zone."""

    first_day: date
    last_day: date
    #: Set when the period is a fiscal year.
    fiscal_year: int | None = None

    @classmethod
    def for_fiscal_year(cls, year: int) -> Period:
        first, last = fiscal_year_bounds(year)
        return cls(first, last, year)

    @property
    def start(self) -> datetime:
        """The first instant of the period (aware, program zone)."""
        return datetime.combine(self.first_day, time.min, zone(PROGRAM_TIMEZONE))

    @property
    def end(self) -> datetime:
        """The first instant after the period: periods are half-open, [start, end)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, zone(PROGRAM_TIMEZONE))

    @property
    def label(self) -> str:
        days = f"{format_date(self.first_day)} to {format_date(self.last_day)}"
        if self.fiscal_year is not None:
            return f"Fiscal year {self.fiscal_year} ({days})"
        return days

    @property
    def slug(self) -> str:
        """For file names: fy2025 or 2024-01-01_2024-03-31."""
        if self.fiscal_year is not None:
            return f"fy{self.fiscal_year}"
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    @property
    def query(self) -> dict[str, str]:
        """The query-string values that select this period again (links, exports)."""
        if self.fiscal_year is not None:
            return {"fiscal_year": str(self.fiscal_year)}
        return {"date_from": self.first_day.isoformat(), "date_to": self.last_day.isoformat()}

    def contains(self, column):
        """SQL: ``column`` (a UTC datetime) falls inside the period."""
        return (column >= self.start) & (column < self.end)
