"""Peak memory of a large inspections upload: the gunicorn worker that takes it and the
job worker that imports it (issue 15: each at most 150 MB, VmHWM).

    .venv/bin/python benchmarks/import_memory.py [--rows 100000] [--root PATH]

``--root`` runs the portal from another checkout (for example the main branch's) against
the same database and file, for a before/after in one run. Ports from BENCH_FIRST_PORT
when set, temporary files under BENCH_TMPDIR.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from benchmarks import perf, seed_large  # noqa: E402
from benchmarks.import_inspections import inspections_file  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402


def measure(root: Path, url: str, rows: int) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PORTAL_ENV="development",
        SECRET_KEY=perf.SECRET_KEY,
        MAX_CONTENT_LENGTH=str(64 * 1024 * 1024),
    )
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_ENV": "development", "SECRET_KEY": perf.SECRET_KEY}
    )
    with app.app_context():
        fda = db.session.scalars(select(User).where(User.email == seed_large.BENCH_EMAIL)).one()
        cookie = perf.session_cookie(app, fda)
        db.session.remove()
        db.engine.dispose()
    perf.ROOT = root  # the checkout gunicorn and the job worker run from
    server = perf.Gunicorn("wsgi:app", env)
    try:
        idle = server.worker_peak_mb()
        data = inspections_file(rows, max(rows // 25, 10))
        seconds, status, where = perf.upload(server, cookie, data)
        uploaded = server.worker_peak_mb()
    finally:
        server.stop()
    figures = {"idle": idle, "upload": uploaded, "upload seconds": seconds, "status": status}
    if "/imports/jobs/" in where:
        started = time.perf_counter()
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work", "--once"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        peak = 0.0
        while worker.poll() is None:
            peak = max(peak, perf.peak_rss_mb(worker.pid))
            time.sleep(0.2)
        figures["job"], figures["job seconds"] = peak, time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--root", action="append", type=Path, default=[])
    args = parser.parse_args()
    if os.environ.get("BENCH_TMPDIR"):
        tempfile.tempdir = os.environ["BENCH_TMPDIR"]
    for root in args.root or [ROOT]:
        with tempfile.TemporaryDirectory(prefix="sep-import-memory-") as tmp:
            url = f"sqlite:///{tmp}/memory.sqlite3"
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": perf.SECRET_KEY})
            with app.app_context():
                seed_large.SITES, seed_large.ENGAGEMENTS = 50, 10
                seed_large.seed()
                db.session.remove()
                db.engine.dispose()
            figures = measure(root, url, args.rows)
        print(
            f"{root}: {args.rows:,}-row upload answered {figures['status']} in "
            f"{figures['upload seconds']:.1f} s; gunicorn worker peak RSS {figures['idle']:.0f} MB "
            f"idle, {figures['upload']:.0f} MB after the upload; job worker peak "
            f"{figures.get('job', 0):.0f} MB ({figures.get('job seconds', 0):.1f} s); "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
