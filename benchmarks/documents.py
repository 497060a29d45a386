"""Throughput and memory of a 25 MB document under gunicorn (SPEC 15, issue 13).

    .venv/bin/python benchmarks/documents.py [--megabytes 25] [--postgres URL] [--no-sqlite]

For SQLite (a temporary file) and PostgreSQL (BENCH_POSTGRES_URL, a database it empties
and fills): a firm user attaches one file of ``--megabytes`` to a question through the
edit form, then downloads it, over HTTP to one gunicorn worker. Reports MB/s each way
and the worker's resident memory: sampled (VmRSS every 10 ms) during each transfer, and
its peak (VmHWM). Ports from BENCH_FIRST_PORT when set (5200 on the shared machine).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks import perf  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import Role  # noqa: E402
from portal.extensions import db  # noqa: E402

MB = 1024 * 1024


def _vm(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """The highest VmRSS of ``pid`` while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _vm(self.pid, "VmRSS"))
            time.sleep(0.01)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _fresh_postgres(url: str) -> str:
    base = make_url(url)
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{base.database}"'))
        connection.execute(text(f'CREATE DATABASE "{base.database}"'))
    engine.dispose()
    return url


def prepare(url: str) -> tuple[str, str]:
    """A firm user with an open question: (session cookie, question id)."""
    from tests import factories

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "PORTAL_ENV": "development", "SECRET_KEY": perf.SECRET_KEY}
    )
    with app.app_context():
        db.create_all()
        fda = factories.user(Role.FDA_STAFF, email="bench-fda@fda.example.gov")
        firm = factories.firm("Benchmark Pharma")
        person = factories.user(Role.FIRM_ADMIN, firm=firm, email="bench@firm.example.com")
        meeting = factories.meeting(factories.engagement(firm, sent_by=fda), scheduled_by=fda)
        question = factories.question(meeting, person)
        db.session.commit()
        cookie = perf.session_cookie(app, person)
        question_id = str(question.public_id)
        db.session.remove()
        db.engine.dispose()
    return cookie, question_id


def measure(url: str, megabytes: int) -> dict:
    cookie, question_id = prepare(url)
    env = dict(os.environ, DATABASE_URL=url, PORTAL_ENV="development", SECRET_KEY=perf.SECRET_KEY)
    content = b"%PDF-1.7\n" + os.urandom(megabytes * MB - 9)
    digest = hashlib.sha256(content).hexdigest()
    server = perf.Gunicorn("wsgi:app", env, workers=1, timeout=120)
    try:
        [worker] = perf.children(server.process.pid)
        http = requests.Session()
        name, value = cookie.split("=", 1)
        http.cookies.set(name, value, domain="127.0.0.1")
        edit = f"{server.url}/firm/questions/{question_id}/edit"
        form = http.get(edit, timeout=60).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        fields = {
            "csrf_token": token,
            "subject": "Benchmark",
            "topic": "other",
            "body": "A large attachment.",
        }
        idle = _vm(worker, "VmHWM")
        with RssSampler(worker) as up:
            started = time.perf_counter()
            response = http.post(
                edit,
                data=fields,
                files={"documents": ("large.pdf", content, "application/pdf")},
                timeout=300,
                allow_redirects=False,
            )
            upload_seconds = time.perf_counter() - started
        assert response.status_code == 302, (response.status_code, response.text[:300])
        page = http.get(f"{server.url}/firm/questions/{question_id}", timeout=60).text
        document = re.search(r'href="/firm/documents/([0-9a-f-]{36})"', page).group(1)
        after_upload = _vm(worker, "VmHWM")
        with RssSampler(worker) as down:
            started = time.perf_counter()
            hasher, received = hashlib.sha256(), 0
            with http.get(
                f"{server.url}/firm/documents/{document}", stream=True, timeout=300
            ) as download:
                for chunk in download.iter_content(256 * 1024):
                    hasher.update(chunk)
                    received += len(chunk)
            download_seconds = time.perf_counter() - started
        assert received == len(content) and hasher.hexdigest() == digest
        peak = _vm(worker, "VmHWM")
    finally:
        server.stop()
    return {
        "upload MB/s": megabytes / upload_seconds,
        "download MB/s": megabytes / download_seconds,
        "upload s": upload_seconds,
        "download s": download_seconds,
        "idle peak": idle,
        "upload rss": up.peak,
        "download rss": down.peak,
        "peak after upload": after_upload,
        "peak": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=25)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/h_docs_bench"
        ),
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="sep-documents-") as tmp:
        if not args.no_sqlite:
            runs.append(("SQLite", f"sqlite:///{tmp}/documents.sqlite3"))
        if args.postgres:
            runs.append(("PostgreSQL", _fresh_postgres(args.postgres)))
        for label, url in runs:
            f = measure(url, args.megabytes)
            print(
                f"{label}: {args.megabytes} MB up {f['upload MB/s']:.1f} MB/s "
                f"({f['upload s']:.2f} s), down {f['download MB/s']:.1f} MB/s "
                f"({f['download s']:.2f} s); worker RSS idle peak {f['idle peak']:.0f} MB, "
                f"during upload {f['upload rss']:.0f} MB, during download "
                f"{f['download rss']:.0f} MB, VmHWM {f['peak after upload']:.0f} MB after "
                f"upload, {f['peak']:.0f} MB at the end; load average {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
