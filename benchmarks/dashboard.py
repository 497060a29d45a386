"""Median response time of the success dashboard on a large database, cached and not.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/dashboard.py 20
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_metrics \\
        .venv/bin/python benchmarks/dashboard.py 20 --profile

Load the data first with benchmarks/seed_large.py. The page is requested in
process through Flask's test client (no network, no server to leave running),
signed in as the benchmark's FDA account, for the fiscal year given by
FISCAL_YEAR (default 2025) and for the whole history as a date range; each
twice: a cache miss (the cached figures are dropped before every request, as
after any write that can move a figure) and a cache hit. Reports the median, the
fastest and the slowest request, and the SQL queries per request. ``--profile``
also lists the figures' SQL statements on a miss with their median time each.
"""

from __future__ import annotations

import argparse
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
    # A signed-in session carries a server-side session record (portal.auth.sessions).
    from portal.auth import sessions

    token = sessions.create_record(user, user_agent="benchmark", address="127.0.0.1")
    db.session.commit()
    now = time.time()
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY] = token
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now


class Statements:
    """Each SQL statement's time, while listening."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.count = 0
        self._started = 0.0

    def before(self, *_args) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def after(self, _conn, _cursor, statement, *_args) -> None:
        self.times.setdefault(statement, []).append(time.perf_counter() - self._started)

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self.before)
        event.listen(db.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self.before)
        event.remove(db.engine, "after_cursor_execute", self.after)


def measure(app, client, path: str, runs: int, *, miss: bool) -> tuple[list[float], Statements]:
    timings = []
    with Statements() as statements:
        for _ in range(runs):
            if miss:
                app.extensions.pop("metrics_cache", None)
            statements.count = 0
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{path} answered {response.status_code}")
    return timings, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int, nargs="?", default=20)
    parser.add_argument("--profile", action="store_true", help="time each SQL statement")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to a database loaded by benchmarks/seed_large.py.")
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
        client.get(f"/metrics?fiscal_year={year}")  # warm the database's and Python's caches
        print(f"{url.split('@')[-1]}, {args.runs} requests each:")
        for label, path in (
            (f"FY{year}", f"/metrics?fiscal_year={year}"),
            ("whole history", "/metrics?date_from=2019-10-01&date_to=2026-09-30"),
        ):
            for kind, miss in (("miss", True), ("hit", False)):
                timings, statements = measure(app, client, path, args.runs, miss=miss)
                print(
                    f"  {label:>14} {kind:>4}: median {statistics.median(timings) * 1000:7.1f} ms "
                    f"(fastest {min(timings) * 1000:.1f}, slowest {max(timings) * 1000:.1f}), "
                    f"{statements.count} SQL queries per request"
                )
                if args.profile and miss:
                    slowest = sorted(
                        statements.times.items(), key=lambda item: -statistics.median(item[1])
                    )
                    for statement, times in slowest[:12]:
                        text = " ".join(statement.split())[:110]
                        print(f"      {statistics.median(times) * 1000:7.1f} ms  {text}")


if __name__ == "__main__":
    main()
