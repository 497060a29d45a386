"""CSV out: streamed row by row, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import Select

from portal.extensions import db

#: A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ASCII_TRIGGERS = frozenset(_FORMULA_TRIGGERS)
#: Rows written per chunk of the response: a chunk per row cost a socket write per row,
#: which kept the largest export past gunicorn's 30 s timeout (issue 15).
ROWS_PER_CHUNK = 500
#: The spelling every CSV download declares, once (Werkzeug adds a charset to a bare
#: ``mimetype``, so the charset must not be in it as well).
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def neutralize(value: Any) -> str:
    """Text as the spreadsheet should show it: a leading quote defuses formulas (OWASP).

    The first character is compared in its NFKC form, because spreadsheets with
    East Asian input methods read full-width and small forms ("＝", "＋", "－",
    "＠", "﹦") as the ASCII signs they stand for.
    """
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if not text:
        return text
    first = text[0]
    if first < "\x80":  # ASCII is its own NFKC form: no normalizing per cell
        return "'" + text if first in _ASCII_TRIGGERS else text
    if unicodedata.normalize("NFKC", first).startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    written = 0
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
        written += 1
        if written == ROWS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
            written = 0
    if written:
        yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """Stream a CSV download; ``rows`` may be a generator over a query."""
    response = Response(stream_with_context(csv_lines(header, rows)), content_type=CSV_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_rows(
    stmt: Select, to_row: Callable[[Any], Iterable[Any]], *, batch: int = 500
) -> Iterator[Iterable[Any]]:
    """Rows of a query fetched ``batch`` at a time, for exports of any size.

    The result is closed however the download ends (finished or abandoned), so a
    server-side cursor on PostgreSQL never outlives the response.
    """
    result = db.session.scalars(stmt.execution_options(yield_per=batch))
    try:
        for item in result:
            yield to_row(item)
    finally:
        result.close()
