"""A large upload is counted and planned without holding its rows (issue 15: a worker stays
under 150 MB; 100,000 rows held as Row objects took one past 300 MB)."""

from __future__ import annotations

import tracemalloc

from benchmarks.import_inspections import inspections_file
from portal.imports import background
from portal.imports.models import ImportKind

ROWS = 20_000


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_counting_and_planning_a_large_file_do_not_hold_its_rows(app):
    data = inspections_file(ROWS, ROWS // 25)
    with app.app_context():
        counted = peak_bytes(lambda: background.count_rows(ImportKind.INSPECTIONS, data))
        planned = peak_bytes(lambda: background.plan_steps(ImportKind.INSPECTIONS, data, 2000))
        steps = background.plan_steps(ImportKind.INSPECTIONS, data, 2000)
    assert background.count_rows(ImportKind.INSPECTIONS, data) == ROWS
    assert sum(step.rows for step in steps) == ROWS
    # The file's text and its lines are held a few times over; a Row per line took the
    # peaks to 10 and 14 times the file.
    assert counted < 8 * len(data), (counted, len(data))
    assert planned < 10 * len(data), (planned, len(data))
