"""/firm under gunicorn with wrk, against a bare Flask "hello" on the same settings, in
one run (issue 15: ratio at least 0.20, p99/p50 at most 1.5).

    .venv/bin/python benchmarks/firm_throughput.py --database sqlite:///path.sqlite3 \\
        [--root PATH ...] [--seconds 10]

The database must hold benchmarks/seed_large.py's data (a firm administrator). Each
``--root`` is a checkout to serve the portal from (for example the main branch's), so
a before and after share one machine load. Ports from BENCH_FIRST_PORT when set.
Also prints the server's CPU time a request (gunicorn's processes, and PostgreSQL's
when it is the database): on two cores, what wrk's rate is divided into.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks import perf  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import Role, User  # noqa: E402
from portal.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--root", action="append", type=Path, default=[])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    env = dict(
        os.environ,
        DATABASE_URL=args.database,
        PORTAL_ENV="development",
        SECRET_KEY=perf.SECRET_KEY,
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database,
            "PORTAL_ENV": "development",
            "SECRET_KEY": perf.SECRET_KEY,
        }
    )
    with app.app_context():
        firm_user = db.session.scalars(
            select(User).where(User.role == Role.FIRM_ADMIN).order_by(User.id)
        ).first()
        cookie = perf.session_cookie(app, firm_user)
        db.session.remove()
        db.engine.dispose()
    hello = perf.Gunicorn("benchmarks.hello_app:app", env)
    try:
        perf.wrk(f"{hello.url}/", 2, None)
        before = hello.cpu_seconds()
        hello_rps, _p50, _p99 = perf.wrk(f"{hello.url}/", args.seconds, None)
        hello_cpu = per_request_ms(hello.cpu_seconds() - before, hello_rps, args.seconds)
    finally:
        hello.stop()
    print(
        f"hello: {hello_rps:,.0f} req/s, {hello_cpu:.2f} ms of server CPU a request "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    for root in args.root or [ROOT]:
        perf.ROOT = root
        server = perf.Gunicorn("wsgi:app", env)
        try:
            fresh = perf.browser_cookie(f"{server.url}/firm", cookie)
            perf.wrk(f"{server.url}/firm", 2, fresh)
            database = perf.postgres_pids() if "postgresql" in args.database else []
            before = server.cpu_seconds(), perf.cpu_seconds(database)
            rps, p50, p99 = perf.wrk(f"{server.url}/firm", args.seconds, fresh)
            server_cpu = per_request_ms(server.cpu_seconds() - before[0], rps, args.seconds)
            database_cpu = per_request_ms(perf.cpu_seconds(database) - before[1], rps, args.seconds)
        finally:
            server.stop()
        print(
            f"{root}: /firm {rps:,.1f} req/s, ratio {rps / hello_rps:.3f}, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms, p99/p50 {p99 / p50:.2f} (load average {os.getloadavg()[0]:.1f})"
        )
        where = f"{server_cpu:.2f} ms in gunicorn"
        if database:
            where += f", {database_cpu:.2f} ms in PostgreSQL"
        print(f"   server CPU a request: {where}")


def per_request_ms(cpu_seconds: float, requests_per_second: float, seconds: int) -> float:
    """CPU milliseconds a request, over a run of ``seconds`` at that rate."""
    return cpu_seconds * 1000 / max(requests_per_second * seconds, 1)


if __name__ == "__main__":
    main()
