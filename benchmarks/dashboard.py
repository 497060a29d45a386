"""Median response time of the success dashboard on a large database.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/dashboard.py 20
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_metrics \\
        .venv/bin/python benchmarks/dashboard.py 20

Load the data first with benchmarks/seed_large.py. The page is requested in
process through Flask's test client (no network, no server to leave running),
signed in as the benchmark's FDA account, for the fiscal year given by
FISCAL_YEAR (default 2025) and for the whole history as a date range. Reports
the median, the fastest and the slowest request, and the SQL queries per request.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402

BENCH_EMAIL = "bench@fda.example.gov"


def sign_in(client, user: User) -> None:
    now = time.time()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now


def measure(client, path: str, runs: int) -> tuple[list[float], int]:
    statements: list[str] = []

    def count(*_args):
        statements.append("")

    event.listen(db.engine, "before_cursor_execute", count)
    timings = []
    try:
        for _ in range(runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{path} answered {response.status_code}")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return timings, len(statements)


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to a database loaded by benchmarks/seed_large.py.")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    year = os.environ.get("FISCAL_YEAR", "2025")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_ENV": "testing", "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == BENCH_EMAIL)).first()
        if user is None:
            sys.exit("No benchmark account: run benchmarks/seed_large.py first.")
        client = app.test_client()
        sign_in(client, user)
        client.get(f"/metrics?fiscal_year={year}")  # warm the caches once
        print(f"{url.split('@')[-1]}, {runs} requests each:")
        for label, path in (
            (f"FY{year}", f"/metrics?fiscal_year={year}"),
            ("whole history", "/metrics?date_from=2019-10-01&date_to=2026-09-30"),
        ):
            timings, queries = measure(client, path, runs)
            print(
                f"  {label:>14}: median {statistics.median(timings) * 1000:7.1f} ms "
                f"(fastest {min(timings) * 1000:.1f}, slowest {max(timings) * 1000:.1f}), "
                f"{queries} SQL queries per request"
            )


if __name__ == "__main__":
    main()
