"""Search latency on a large database (issue 13): the median of 15 searches, in process.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/search.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_search \\
        .venv/bin/python benchmarks/search.py

Load the data first with benchmarks/seed_large.py (500,000 questions, half of them
answered, and 10,000 quality actions; it also fills the search index and reports how
long that took). Each search is what FDA's /search page runs for its first page: the
count, the 20 newest matches, the firm names and message threads, the snippets. The
15 searches mix words found in most texts, in some, and in a few, prefixes, two- and
three-word searches, a phrase, and the kind, topic, firm and date filters. Reports
each search's time, the median, and the index's size on disk.

`--reindex` rebuilds the index first and reports its time (as `flask search reindex`).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.search.indexing import rebuild  # noqa: E402
from portal.search.models import SearchEntry  # noqa: E402
from portal.search.queries import PER_PAGE, Filters, hits, search_statement  # noqa: E402
from portal.search.text import parse_query  # noqa: E402

#: (words, filters): the 15 searches, each run once after one warm-up round.
SEARCHES = (
    ("validation", {}),
    ("cleaning validation", {}),
    ("media fill", {}),
    ("the", {}),
    ("endotox", {}),
    ("swab rinse residue", {}),
    ('"hold time"', {}),
    ("sterility", {"kind": "answer"}),
    ("aseptic", {"topic": "production_process"}),
    ("deviation", {"firm_id": 17}),
    ("lyophilizer", {"start": datetime(2024, 1, 1, tzinfo=UTC)}),
    ("kalominu", {}),
    ("tuvo", {}),
    (
        "recall complaint",
        {"start": datetime(2021, 1, 1, tzinfo=UTC), "end": datetime(2022, 1, 1, tzinfo=UTC)},
    ),
    ("isolator gowning", {}),
)


def one_search(words: str, filters: dict) -> tuple[float, int]:
    started = time.perf_counter()
    query = parse_query(words)
    page = db.paginate(search_statement(query, Filters(**filters)), page=1, per_page=PER_PAGE)
    shown = hits(list(page.items), query)
    elapsed = time.perf_counter() - started
    assert len(shown) == min(PER_PAGE, page.total)
    db.session.rollback()
    return elapsed, page.total


def index_size() -> str:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        row = db.session.execute(
            text(
                "SELECT pg_relation_size('ix_search_entry_terms'),"
                " pg_total_relation_size('search_entry')"
            )
        ).one()
        gin, whole = row[0] / 2**20, row[1] / 2**20
        return f"GIN index {gin:.0f} MB; search_entry with all its indexes {whole:.0f} MB"
    try:
        rows = db.session.execute(
            text(
                "SELECT name, sum(pgsize) FROM dbstat"
                " WHERE name LIKE 'search_entry%' OR name LIKE '%search_entry%' GROUP BY name"
            )
        ).all()
    except Exception:  # noqa: BLE001 - dbstat is an optional SQLite module
        db.session.rollback()
        return "(SQLite built without dbstat: no per-table sizes)"
    fts = sum(size for name, size in rows if name.startswith("search_entry_fts"))
    table = sum(size for name, size in rows if not name.startswith("search_entry_fts"))
    return f"FTS5 tables {fts / 2**20:.0f} MB; search_entry and its indexes {table / 2**20:.0f} MB"


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to a database loaded by benchmarks/seed_large.py.")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PORTAL_ENV": "development"})
    with app.app_context(), app.test_request_context("/search"):
        if "--reindex" in sys.argv:
            started = time.perf_counter()
            counts = rebuild(db.session.connection())
            db.session.commit()
            print(f"reindexed {counts} in {time.perf_counter() - started:.1f} s")
        entries = db.session.scalar(select(func.count(SearchEntry.id)))
        print(f"{db.engine.dialect.name}: {entries:,} search entries; {index_size()}")
        for words, filters in SEARCHES:  # warm-up: caches and the page cache, as in service
            one_search(words, filters)
        times = []
        for words, filters in SEARCHES:
            elapsed, total = one_search(words, filters)
            times.append(elapsed)
            shown = f"{words} {filters}" if filters else words
            print(f"  {elapsed * 1000:8.1f} ms  {total:>8,} matches  {shown}")
        print(
            f"median {statistics.median(times) * 1000:.1f} ms, fastest {min(times) * 1000:.1f} ms,"
            f" slowest {max(times) * 1000:.1f} ms over {len(times)} searches"
        )


if __name__ == "__main__":
    main()
