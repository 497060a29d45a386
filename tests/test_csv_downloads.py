"""Issue 9 item 10: every CSV download declares its charset once and defuses formulas.

The routes come from the URL map (every page the program manager may open that
answers text/csv), so an export added later is checked without editing this file.
"""

from __future__ import annotations

import csv
import io
import math

import pytest

from portal.csvutil import ROWS_PER_CHUNK, csv_lines, neutralize
from tests.conftest import login_as
from tests.sweep import get_pages, people


def test_every_csv_route_says_charset_utf_8_once(app, world):
    client = app.test_client()
    login_as(client, people(world)["fda_admin"])
    checked, wrong = [], []
    for url in get_pages(app, world, "fda_admin"):
        response = client.get(url)
        if response.mimetype == "text/csv":
            checked.append(url)
            if response.headers["Content-Type"] != "text/csv; charset=utf-8":
                wrong.append(f"{url}: {response.headers['Content-Type']}")
        response.close()
    assert not wrong, "\n".join(wrong)
    # The audit log, feedback and the exports page's measure and record files at least.
    assert len(checked) >= 6, checked


@pytest.mark.parametrize(
    "cell",
    [
        '＝HYPERLINK("http://evil.example")',
        "＋1＋2",
        "－3＋4",
        "＠SUM(A1)",
        "﹦1+1",  # small equals sign: NFKC "="
        "=1+1",
        "\tTAB",
    ],
)
def test_formula_triggers_are_neutralized_in_any_width(cell):
    assert neutralize(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Ａcme", "１２３", "Quality ＝ safety", "½ dose", ""])
def test_other_text_is_left_as_it_is(cell):
    assert neutralize(cell) == cell


def test_a_large_download_is_sent_in_chunks_of_many_rows_with_every_row_intact():
    # A chunk per row cost a socket write per row under gunicorn (issue 15: the largest
    # export ran past the worker timeout); the rows must still come out whole and in order.
    rows = [[n, f"=cmd{n}", "plain, with a comma", None, "-5"] for n in range(1_234)]
    chunks = list(csv_lines(["n", "formula", "text", "empty", "negative"], rows))
    assert len(chunks) <= 1 + math.ceil(len(rows) / ROWS_PER_CHUNK)
    read = list(csv.reader(io.StringIO("".join(chunks))))
    assert read[0] == ["n", "formula", "text", "empty", "negative"]
    assert read[1:] == [
        [str(n), f"'=cmd{n}", "plain, with a comma", "", "'-5"] for n in range(1_234)
    ]
