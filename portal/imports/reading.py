"""Reading FDA's CSV exports: encoding, the header line, rows with their line numbers.

Each import knows its columns; this module finds them. What it guarantees:

* text is UTF-8, with or without a byte-order mark. Anything else (for example a
  file re-saved by a spreadsheet in Windows-1252) is refused as a whole with a
  message saying how to save it, rather than guessed at: a wrong guess would
  silently garble names that are then matched against the shortage list;
* the header may follow preamble lines (the Data Dashboard writes two) or blank
  lines (the shortage list starts with one), and its names may be padded
  (" Status") or differ in case;
* a wrong file (required columns missing) is refused before any row is read, so
  nothing changes;
* each row carries the number of the file line it starts on, counting preamble,
  blank lines and line breaks inside quoted values, so a rejection can be found
  in the file as the person sees it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from portal.sites.services import fei_problem

#: Lines looked at for the header (preamble and blank lines before it).
HEADER_SEARCH_LINES = 10
_SPACES = re.compile(r"\s+")


class ImportRefused(ValueError):
    """The whole file is refused; nothing was changed. The message says why and what to do."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class Row:
    #: The file line the row starts on (1-based).
    line: int
    #: Values by the import's own column names, whitespace trimmed.
    values: dict[str, str]
    #: What makes the line unreadable as a row (wrong number of values, hidden
    #: characters), found while reading; the importer rejects it with this reason.
    problem: str | None = None

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


#: Characters no exported value contains legitimately: C0 controls other than tab
#: and line breaks, DEL, and the bidirectional overrides that make text read
#: differently from what it is (the same ones portal.forms refuses in typed text).
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _hidden_character_problem(values: dict[str, str]) -> str | None:
    for column, value in values.items():
        if _HIDDEN.search(value):
            return (
                f"{column} contains an invisible control character; remove it from the file "
                "and import it again."
            )
    return None


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> str:
    """The file's text, or ImportRefused saying what is wrong with it."""
    if not data.strip():
        raise ImportRefused("The file is empty. Choose the exported CSV file and try again.")
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(
            "This is a spreadsheet workbook (for example .xlsx), not a CSV file. "
            "Open it and save or export it as “CSV UTF-8”, then upload that file."
        )
    if b"\x00" in data:
        raise ImportRefused(
            "This is not a text CSV file (it contains binary data). "
            "Upload the CSV file exactly as FDA's site exported it."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = _line_of_offset(data, error.start)
        raise ImportRefused(
            f"The file is not UTF-8 text: line {line} has a character that cannot be read "
            "as UTF-8. Export the file again from FDA's site, or save it from your spreadsheet "
            "as “CSV UTF-8”, and upload that."
        ) from error


def normalize_header(name: str) -> str:
    return _SPACES.sub(" ", name.replace("\ufeff", "")).strip().casefold()


def read_rows(text: str, columns: tuple[str, ...], *, what: str) -> Iterator[Row]:
    """Rows of ``text`` under the header holding ``columns``; ImportRefused if there is none.

    The header is checked before the first row is yielded, so a caller that
    writes only after iterating changes nothing on a wrong file; a file with the
    header and no rows is refused too, after the loop. ``what`` names the file for
    messages ("a Data Dashboard inspections export").
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    wanted = {normalize_header(c): c for c in columns}
    positions: dict[str, int] | None = None
    width = 0
    rows = 0
    last_line = 0
    first_cells: list[str] = []
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if positions is None:
                if start > HEADER_SEARCH_LINES:
                    break
                found = {normalize_header(cell): i for i, cell in enumerate(record)}
                if not first_cells and any(c.strip() for c in record):
                    first_cells = record
                if all(name in found for name in wanted):
                    positions = {wanted[name]: found[name] for name in wanted}
                    width = len(record)
                continue
            if not any(cell.strip() for cell in record):
                continue  # blank line
            rows += 1
            if len(record) != width:
                problem = (
                    f"This line has {len(record)} values but the header has {width} columns; "
                    "a comma or line break inside a value may be missing its quotes."
                )
                yield Row(start, {}, problem)
                continue
            values = {column: record[i].strip() for column, i in positions.items()}
            yield Row(start, values, _hidden_character_problem(values))
    except csv.Error as error:
        raise ImportRefused(
            f"The file could not be read as CSV near line {last_line + 1} ({error}). "
            "Nothing was imported."
        ) from error
    if positions is None:
        found_names = [c.strip() for c in first_cells if c.strip()][:8]
        missing = ", ".join(columns)
        seen = ", ".join(found_names) if found_names else "nothing readable"
        raise ImportRefused(
            f"This does not look like {what}: no line near the top has the columns {missing}. "
            f"The first line has: {seen}. Nothing was imported; check that you chose the "
            "right file for this page."
        )
    if not rows:
        raise ImportRefused("The file has the right columns but no rows. Nothing was imported.")


#: Dates as FDA's exports write them (Data Dashboard: MM/DD/YYYY), and ISO dates.
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")


def parse_date(value: str) -> date | None:
    """The date, or None when it is in neither accepted form (or is no real day)."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def blank_dash(value: str) -> str:
    """The Data Dashboard writes "-" for "not applicable" (e.g. a foreign site's state)."""
    return "" if value.strip() == "-" else value.strip()


def dashboard_row_problem(row: Row) -> str | None:
    """What the Data Dashboard exports' rows all need: to be readable, and a site to hang
    on, named by its FEI Number (digits only) and Legal Name."""
    if row.problem:
        return row.problem
    fei = row["FEI Number"]
    if not fei:
        return "FEI Number is missing."
    if fei_problem(fei):
        return f'FEI Number "{fei}" is not digits only.'
    if not row["Legal Name"]:
        return "Legal Name is missing."
    return None


def too_long(row: Row, limits: dict[str, int]) -> str | None:
    for column, limit in limits.items():
        if len(row[column]) > limit:
            return f"{column} is longer than {limit} characters."
    return None
