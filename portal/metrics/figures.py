"""The shapes figures are handed around in: a table that the page, the CSV and the API share.

One computed value has one ``Cell``: the raw number (for CSV and JSON) and the
text a person reads (for the page). A measure's table is built once and shown
three ways, so the chart, the table, the CSV and the API cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Shown where a figure has no value (a rate of nothing, a median of no records).
NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Cell:
    value: int | float | None
    text: str

    def __str__(self) -> str:
        return self.text


def count(value: int | None) -> Cell:
    value = int(value or 0)
    return Cell(value, f"{value:,}")


def rate(part: int | None, whole: int | None) -> Cell:
    """``part`` as a percentage of ``whole``, one decimal; n/a when ``whole`` is 0."""
    if not whole:
        return Cell(None, NOT_APPLICABLE)
    value = round(100.0 * (part or 0) / whole, 1)
    return Cell(value, f"{value:.1f}%")


def ratio(part: int | None, whole: int | None) -> Cell:
    """``part`` per ``whole``, two decimals; n/a when ``whole`` is 0."""
    if not whole:
        return Cell(None, NOT_APPLICABLE)
    value = round((part or 0) / whole, 2)
    return Cell(value, f"{value:.2f}")


def days(value: float | None) -> Cell:
    if value is None:
        return Cell(None, NOT_APPLICABLE)
    value = round(float(value), 1)
    return Cell(value, f"{value:.1f} day{'' if value == 1 else 's'}")


def mean(value: float | None) -> Cell:
    if value is None:
        return Cell(None, NOT_APPLICABLE)
    value = round(float(value), 2)
    return Cell(value, f"{value:.2f}")


@dataclass(frozen=True)
class Table:
    """A measure's figures: the first column names each row (a row header)."""

    key: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | Cell, ...], ...]
    #: How each figure is defined, shown under the table and kept with the CSV.
    notes: tuple[str, ...] = field(default=())

    def csv_rows(self) -> list[list[object]]:
        """Raw values: numbers as numbers, n/a as an empty cell."""
        return [
            [cell.value if isinstance(cell, Cell) else cell for cell in row] for row in self.rows
        ]
