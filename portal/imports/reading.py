"""Reading FDA's CSV exports: encoding, the header line, rows with their line numbers.

Each import knows its columns; this module finds them. What it guarantees:

* text is UTF-8, with or without a byte-order mark. Anything else (for example a
  file re-saved by a spreadsheet in Windows-1252) is refused as a whole with a
  message saying how to save it, rather than guessed at: a wrong guess would
  silently garble names that are then matched against the shortage list;
* the header may follow up to 20 preamble or blank lines (the Data Dashboard
  writes two, the shortage list starts with one, a spreadsheet may add a title),
  its names may be padded (" Status") or differ in case, and values may be
  separated by commas, tabs or semicolons (what spreadsheets write in some locales);
* a wrong file (required columns missing, or one of them twice) is refused
  before any row is read, so nothing changes; the message names the columns
  that are missing, not all of them;
* a quote mark inside a quoted value that the writer did not double (`1 1/2" vial`)
  is kept where it stood, and the row says it was repaired, instead of the value
  silently gaining a stray `"` at its end;
* dates are read by one parser for every import (:func:`read_date`), in every
  form FDA's files and spreadsheets write them;
* each row carries the number of the file line it starts on, counting preamble,
  blank lines and line breaks inside quoted values, so a rejection can be found
  in the file as the person sees it.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice
from typing import BinaryIO

from portal.sites.validation import FEI_MAX_DIGITS, fei_problem

#: Lines looked at for the header (preamble and blank lines before it).
HEADER_SEARCH_LINES = 20
#: Separators tried on each candidate header line, the usual one first.
DELIMITERS = (",", "\t", ";")
SEPARATOR_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
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
    #: What reading repaired on the line (a stray quote), reported with the run.
    notes: tuple[str, ...] = ()

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


EMPTY = "The file is empty. Choose the exported CSV file and try again."
WORKBOOK = (
    "This is a spreadsheet workbook (for example .xlsx), not a CSV file. "
    "Open it and save or export it as “CSV UTF-8”, then upload that file."
)
BINARY = (
    "This is not a text CSV file (it contains binary data). "
    "Upload the CSV file exactly as FDA's site exported it."
)


def _not_utf8(line: int) -> str:
    return (
        f"The file is not UTF-8 text: line {line} has a character that cannot be read "
        "as UTF-8. Export the file again from FDA's site, or save it from your spreadsheet "
        "as “CSV UTF-8”, and upload that."
    )


def decode(data: bytes) -> str:
    """The file's text, or ImportRefused saying what is wrong with it."""
    if not data.strip():
        raise ImportRefused(EMPTY)
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(WORKBOOK)
    if b"\x00" in data:
        raise ImportRefused(BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(_not_utf8(_line_of_offset(data, error.start))) from error


def sized_lines(source: bytes | BinaryIO) -> Iterator[tuple[str, int]]:
    """The file's lines as csv splits them (\\n, \\r\\n or \\r), each with its size in
    bytes, decoded one line at a time: what :func:`decode` checks, without ever holding
    the whole text or a list of its lines (issue 15: a 100,000-row file decoded and split
    at once took a worker past 150 MB).

    A file refused as a whole is refused with decode's messages; a character that is not
    UTF-8 is refused when its line is reached, so a caller counts or plans a file before
    writing anything from it.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    #: Leading blank lines wait here, so a file of nothing but blank lines is "empty".
    blank: list[tuple[str, int]] = []
    text_seen = False
    # Splitting the bytes at \n is safe in UTF-8: no multi-byte character holds that byte.
    for number, raw in enumerate(stream, start=1):
        size = len(raw)
        if number == 1:
            if raw.startswith(b"PK\x03\x04"):
                raise ImportRefused(WORKBOOK)
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in raw:
            raise ImportRefused(BINARY)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportRefused(_not_utf8(number)) from error
        if "\r" in line and not (line.endswith("\r\n") and line.find("\r") == len(line) - 2):
            # A carriage return that is not part of a \r\n ending ends a line of its own.
            parts = list(io.StringIO(line, newline=""))
            sized = [(part, len(part.encode("utf-8"))) for part in parts]
            sized[0] = (sized[0][0], sized[0][1] + size - sum(s for _p, s in sized))
        else:
            sized = [(line, size)]
        for item in sized:
            if text_seen:
                yield item
            elif item[0].strip():
                text_seen = True
                yield from blank
                blank.clear()
                yield item
            else:
                blank.append(item)
    if not text_seen:
        raise ImportRefused(EMPTY)


def text_lines(source: bytes | BinaryIO) -> Iterator[str]:
    """The file's lines, decoded and checked one at a time (see :func:`sized_lines`)."""
    return (line for line, _size in sized_lines(source))


#: Header names written more than one way for one column (FDA's Warning Letters list).
HEADER_ALIASES = {
    "close-out letter": "closeout letter",
    "close out letter": "closeout letter",
    "closeout date": "closeout letter",
    "close-out date": "closeout letter",
    "close-out letter date": "closeout letter",
}


def normalize_header(name: str) -> str:
    plain = _SPACES.sub(" ", name.replace("\ufeff", "")).strip().casefold()
    return HEADER_ALIASES.get(plain, plain)


def _cells(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, strict=False), [])


@dataclass(frozen=True)
class _Header:
    #: 0-based index of the header's line in the file's lines.
    index: int
    delimiter: str
    #: The import's column name -> its position in a row.
    positions: dict[str, int]
    #: The header's own names, by position (for messages about other columns).
    names: tuple[str, ...]


def _find_header(lines: list[str], columns: tuple[str, ...], what: str) -> _Header:
    """The first line among the top ones holding every column, with any separator.

    Refuses the file naming the columns missing from the line that came closest,
    or a required column the header repeats (which of the two holds the value
    cannot be known).
    """
    wanted = {normalize_header(c): c for c in columns}
    closest: tuple[int, list[str], int] = (0, list(columns), 0)
    first_cells: list[str] = []
    for index, line in enumerate(lines):
        for delimiter in DELIMITERS:
            if delimiter != "," and delimiter not in line:
                continue
            cells = _cells(line, delimiter)
            if delimiter == "," and not first_cells and any(c.strip() for c in cells):
                first_cells = cells
            names = [normalize_header(cell) for cell in cells]
            present = [name for name in wanted if name in names]
            if len(present) > closest[0]:
                missing = [wanted[name] for name in wanted if name not in names]
                closest = (len(present), missing, index + 1)
            if len(present) < len(wanted):
                continue
            repeated = [wanted[name] for name in wanted if names.count(name) > 1]
            if repeated:
                raise ImportRefused(
                    f"The header on line {index + 1} has the column "
                    + " and ".join(f"“{name}”" for name in repeated)
                    + " more than once, so it cannot be known which one holds the value. "
                    "Remove the extra column and import the file again. Nothing was imported."
                )
            return _Header(
                index,
                delimiter,
                {wanted[name]: names.index(name) for name in wanted},
                tuple(cell.strip() for cell in cells),
            )
    found, missing, line_number = closest
    if found:
        raise ImportRefused(
            f"This does not look like {what}: the header on line {line_number} lacks the "
            f"column{'s' if len(missing) != 1 else ''} {', '.join(missing)}. Nothing was "
            "imported; check that you chose the right file for this page."
        )
    found_names = [c.strip() for c in first_cells if c.strip()][:8]
    seen = ", ".join(found_names) if found_names else "nothing readable"
    raise ImportRefused(
        f"This does not look like {what}: no line near the top has any of the columns "
        f"{', '.join(columns)}. The first line has: {seen}. Nothing was imported; check "
        "that you chose the right file for this page."
    )


def _stray_quote_pattern(delimiter: str) -> re.Pattern[str]:
    """A quote mark with ordinary text on both sides: inside a value, never doubled."""
    other = rf'[^{re.escape(delimiter)}"\r\n]'
    return re.compile(other + '"' + other)


def _split_keeping_stray_quotes(raw: str, delimiter: str) -> list[str] | None:
    """The record's values, reading a quote that neither closes a quoted value nor is
    doubled as a literal quote mark; None if the record does not then end cleanly."""
    raw = raw.rstrip("\r\n")
    values: list[str] = []
    value: list[str] = []
    quoted, at_start = False, True
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if at_start:
            at_start = False
            if char == '"':
                quoted = True
                i += 1
                continue
        if quoted and char == '"':
            following = raw[i + 1] if i + 1 < n else ""
            if following == '"':
                value.append('"')
                i += 2
                continue
            if following in (delimiter, ""):
                quoted = False
                i += 1
                continue
            value.append('"')  # the stray quote, kept where it stands
        elif not quoted and char == delimiter:
            values.append("".join(value))
            value, at_start = [], True
        else:
            value.append(char)
        i += 1
    if quoted:
        return None
    values.append("".join(value))
    return values


def _fits(record: list[str], width: int) -> list[str] | None:
    """The record cut to the header's width, if it has no more values than that
    (spreadsheets add empty cells at the end of some lines); else None."""
    if len(record) == width:
        return record
    if len(record) > width and not any(cell.strip() for cell in record[width:]):
        return record[:width]
    return None


def read_rows(source: str | Iterable[str], columns: tuple[str, ...], *, what: str) -> Iterator[Row]:
    """Rows of ``source`` under the header holding ``columns``; ImportRefused if there is none.

    ``source`` is the file's text, or its lines as :func:`text_lines` reads them from the
    upload or the stored file: only the top lines (for the header) and the current
    record's lines are held, never the file's lines (issue 15: memory).
    The header is checked before the first row is yielded, so a caller that
    writes only after iterating changes nothing on a wrong file; a file with the
    header and no rows is refused too, after the loop. ``what`` names the file for
    messages ("a Data Dashboard inspections export").
    """
    # Lines split as csv splits them (\n, \r\n or \r), endings kept, so each
    # record's own text can be looked at again when it holds a stray quote.
    lines = iter(io.StringIO(source, newline="") if isinstance(source, str) else source)
    top = list(islice(lines, HEADER_SEARCH_LINES))
    header = _find_header(top, columns, what)
    width = len(header.names)
    #: The lines of the record the reader is reading (csv reads no further than its end).
    record_lines: list[str] = []

    def body() -> Iterator[str]:
        for line in chain(top[header.index + 1 :], lines):
            record_lines.append(line)
            yield line

    reader = csv.reader(body(), delimiter=header.delimiter, strict=False)
    stray = _stray_quote_pattern(header.delimiter)
    label = {i: column for column, i in header.positions.items()}
    rows = 0
    consumed = 0
    try:
        for record in reader:
            first, consumed = consumed, reader.line_num
            start = header.index + 1 + first + 1
            raw = "".join(record_lines)
            record_lines.clear()
            if not any(cell.strip() for cell in record):
                continue  # blank line
            rows += 1
            notes: list[str] = []
            if stray.search(raw):
                repaired = _split_keeping_stray_quotes(raw, header.delimiter)
                if repaired is not None and repaired != record and _fits(repaired, width):
                    for i, (before, after) in enumerate(zip(record, repaired, strict=False)):
                        if before != after:
                            name = label.get(i) or (header.names[i] if i < width else "")
                            notes.append(
                                f"{name or f'Column {i + 1}'}: a quote mark inside the value "
                                "was not doubled as CSV requires; it was kept where it stands: "
                                f"“{after.strip()}”."
                            )
                    record = repaired
            fitted = _fits(record, width)
            if fitted is None:
                problem = (
                    f"This line has {len(record)} values but the header has {width} columns; "
                    f"a {SEPARATOR_NAMES[header.delimiter]} or line break inside a value may be "
                    "missing its quotes."
                )
                yield Row(start, {}, problem)
                continue
            values = {column: fitted[i].strip() for column, i in header.positions.items()}
            yield Row(start, values, _hidden_character_problem(values), tuple(notes))
    except csv.Error as error:
        raise ImportRefused(
            f"The file could not be read as CSV near line {header.index + consumed + 2} "
            f"({error}). Nothing was imported."
        ) from error
    if not rows:
        raise ImportRefused("The file has the right columns but no rows. Nothing was imported.")


# --- dates ------------------------------------------------------------------------------------

#: Two-digit years up to this one are 20YY; later ones could be 19YY or 20YY and are refused.
TWO_DIGIT_YEAR_LAST = 69
DATE_FORMS = "MM/DD/YYYY, M/D/YYYY, M/D/YY, YYYY-MM-DD or DD-Mon-YYYY"
_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_NAMED = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3})[- ](\d{4}|\d{2})")
#: Spreadsheets re-saving a date column may add a midnight time to each value.
_MIDNIGHT = re.compile(r"\s+(0?0:00(:00)?|12:00(:00)?\s*AM)$", re.IGNORECASE)


class DateProblem(ValueError):
    """A date value that cannot be read; the message names the column and the value."""


def _year(digits: str, column: str, value: str) -> int:
    if len(digits) == 4:
        return int(digits)
    if int(digits) > TWO_DIGIT_YEAR_LAST:
        raise DateProblem(
            f'{column} "{value}" has a two-digit year that could be 19{digits} or 20{digits}; '
            "write the year in full (MM/DD/YYYY) and import the file again."
        )
    return 2000 + int(digits)


def read_date(value: str, column: str) -> date:
    """The day ``value`` names, in any form FDA's exports or a spreadsheet write it.

    Month-first like every FDA export (``1/3/23`` is 3 January 2023); two-digit
    years are 2000-2069, anything else refused as ambiguous rather than guessed.
    One parser for every import, so a date one import reads, all read.
    """
    text = _MIDNIGHT.sub("", value.strip())
    try:
        if match := _MONTH_FIRST.fullmatch(text):
            month, day, year = match.groups()
            return date(_year(year, column, value), int(month), int(day))
        if match := _ISO.fullmatch(text):
            year, month, day = match.groups()
            return date(int(year), int(month), int(day))
        if (match := _MONTH_NAMED.fullmatch(text)) and match.group(2).casefold() in _MONTHS:
            day, month, year = match.groups()
            return date(_year(year, column, value), _MONTHS[month.casefold()], int(day))
    except ValueError as error:
        if isinstance(error, DateProblem):
            raise
        if match and match.re is _MONTH_FIRST and int(match.group(1)) > 12 >= int(match.group(2)):
            raise DateProblem(
                f'{column} "{value}" reads as day first (DD/MM/YYYY); FDA\'s files write the '
                "month first (MM/DD/YYYY). Save the dates month first and import the file again."
            ) from error
        raise DateProblem(
            f'{column} "{value}" is not a real day (dates are read month first: {DATE_FORMS}).'
        ) from error
    raise DateProblem(f'{column} "{value}" is not a date in a form FDA uses ({DATE_FORMS}).')


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
    if fei.isascii() and fei.isdigit() and len(fei) > FEI_MAX_DIGITS:
        return (
            f'FEI Number "{fei}" has {len(fei)} digits; FDA\'s FEI numbers have at most '
            f"{FEI_MAX_DIGITS}. A spreadsheet may have joined two cells or padded the number."
        )
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
