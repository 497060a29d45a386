"""Every figure of issue 15 in one run, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/perf.py [--scale 1] [--databases sqlite,postgresql]
        [--import-rows 100000] [--wrk-seconds 10] [--repeat 15]

For each database it loads the large program history of benchmarks/seed_large.py
(10,000 sites, 50,000 meetings, 500,000 questions at --scale 1) plus extra sites
for the API (179,562 in all at --scale 1), then prints:

* the success dashboard, in process: median ms for a fiscal year and for the
  whole history (the first, uncached request separately);
* the firm home page /firm, in process: median ms and SQL statements; then under
  gunicorn (2 workers) with ``wrk -t2 -c16`` in the same run as a bare Flask
  "hello": requests/s of each, the ratio, and /firm's p99/p50 latency;
* the API /api/v1/sites: median ms per page of 200 at the start, the middle and
  the end of the list;
* an inspections upload of --import-rows rows through the upload page under
  gunicorn (default 30 s timeout): how long the request took, and, when the
  portal runs it in the background, how long `flask jobs work` took;
* memory: the peak RSS of a gunicorn worker across the dashboard (whole
  history), the upload, and the largest CSV export (questions, whole history),
  and of the job worker.

The PostgreSQL database is BENCH_POSTGRES_URL (default: the local server's
``test_perf_bench``); the SQLite one is --sqlite-path or a file in a temporary folder.
Both are emptied first; with --keep-data, a database that already holds the history is
used as it is, gaining only the tables newer code added and the API's sites. Figures
move between runs on a shared machine; ratios measured in one run hold better than
absolute numbers.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import g  # noqa: E402
from sqlalchemy import event, func, insert, inspect, select, text  # noqa: E402

from benchmarks import seed_large  # noqa: E402
from benchmarks.import_inspections import inspections_file  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import Role, User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.firm import freshness  # noqa: E402
from portal.sites.models import Site  # noqa: E402

SECRET_KEY = "benchmark-" + "5" * 54
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_perf_bench"
)
API_SITES = 179_562


def free_port() -> int:
    """Any free port, or the first free one from BENCH_FIRST_PORT on (a shared machine
    where each person has a range of ports)."""
    first = os.environ.get("BENCH_FIRST_PORT")
    for port in range(int(first), int(first) + 10) if first else ():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size so far."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its server runs beside the portal here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().startswith("postgres"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


class Gunicorn:
    def __init__(self, module: str, env: dict, workers: int = 2, timeout: int = 30):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "error",
                module,
            ],
            cwd=ROOT,
            env=env,
        )
        # The port opens before the workers have imported the app (seconds on a busy
        # machine): wait until a request is answered, then for the other worker too.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/", timeout=60).close()  # noqa: S310
                time.sleep(5)
                return
            except urllib.error.HTTPError:
                time.sleep(5)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"{module} did not start")

    def cpu_seconds(self) -> float:
        """CPU used so far by the server: its master and workers."""
        return cpu_seconds([self.process.pid, *children(self.process.pid)])

    def worker_peak_mb(self) -> float:
        return max((peak_rss_mb(pid) for pid in children(self.process.pid)), default=0.0)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(url: str, seconds: int, cookie: str | None) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms from ``wrk -t2 -c16 --latency``."""
    # wrk's default 2 s timeout counts slow answers as errors, not latencies: on a loaded
    # machine that would hide exactly the slow requests the p99 is about.
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "30s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    if "Non-2xx" in output or "Socket errors" in output:
        print(f"   wrk {url}: errors under load:\n{output}")

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, percentile("50"), percentile("99")


def timed(client, url: str, repeat: int, queries: list | None = None) -> tuple[float, float]:
    """(first request ms, median ms of the next ``repeat``)."""
    times = []
    for _ in range(repeat + 1):
        # The app context stays pushed; as a server would, start each request with an empty g
        # (Flask-Login caches the signed-in user there).
        g.__dict__.clear()
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return times[0], statistics.median(times[1:])


def timed_misses(app, client, url: str, repeat: int) -> float:
    """Median ms of ``url`` with the dashboard cache emptied before each request: what a
    reader pays after every write (the first request of ``timed`` also warms templates)."""
    times = []
    for _ in range(repeat):
        app.extensions.pop("metrics_cache", None)
        g.__dict__.clear()
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(times)


def session_cookie(app, user: User) -> str:
    # Signed-in sessions carry a server-side session record since the WebAuthn work.
    from portal.auth import sessions

    token = sessions.create_record(user, user_agent="benchmark", address="127.0.0.1")
    db.session.commit()
    client = app.test_client()
    now = time.time()
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY] = token
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={client.get_cookie(name).value}"


def browser_cookie(url: str, cookie: str) -> str:
    """The cookie a browser holds after opening ``url`` with ``cookie``.

    The portal's answer may carry a new cookie (its CSRF token added, the idle timer's
    "seen at" moved), which a browser sends with its next page. wrk replays one header:
    given a cookie the portal would replace, it measures a browser that never stores
    cookies. So each wrk run starts from the cookie the server itself just sent.
    """
    opener = urllib.request.build_opener(NoRedirect)
    opener.addheaders = [("Cookie", cookie)]
    name = cookie.split("=", 1)[0]
    with opener.open(url) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            if pair.startswith(f"{name}="):
                return pair
    return cookie


def signed_in_client(app, user: User):
    client = app.test_client()
    name, value = session_cookie(app, user).split("=", 1)
    client.set_cookie(name, value)
    return client


def load(app, scale: float, api_sites: int, keep_data: bool = False) -> dict:
    seed_large.SITES = max(int(10_000 * scale), 50)
    seed_large.ENGAGEMENTS = max(int(2_000 * scale), 10)
    started = time.perf_counter()
    if keep_data and _holds_history():
        # Seeding 500,000 questions takes most of an hour on two cores; a database that
        # holds them already (a previous run's, or seed_large's) only gains the tables
        # newer code added and its missing API sites.
        # Only the missing tables: the metadata's own create would install the summary
        # triggers again.
        existing = set(inspect(db.engine).get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                table.create(db.engine)
        # What the migration that added the firm's page versions does: the program's row,
        # without which the firm home page is never kept.
        freshness.note_program_change(db.session)
        db.session.commit()
        counts = _counted()
    else:
        counts = seed_large.seed()
    if db.engine.dialect.name == "postgresql":
        # seed_large writes ids itself; the sequence must continue after them.
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('site', 'id'), (SELECT max(id) FROM site))")
        )
    extra = api_sites - counts["sites"]
    now = datetime.now(UTC)
    batch = []
    for n in range(max(extra, 0)):
        moment = now - timedelta(minutes=n)
        batch.append(
            {
                "fei_number": str(4_000_000_000 + n),
                "legal_name": f"API Benchmark Site {n}",
                "created_at": moment,
                "updated_at": moment,
            }
        )
        if len(batch) == 10_000:
            db.session.execute(insert(Site), batch)
            batch = []
    if batch:
        db.session.execute(insert(Site), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a load this size on a running server:
        # measured at once, with no planner statistics, the dashboard's whole-history miss
        # took 719 ms instead of about 45.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    counts["sites"] = db.session.scalar(select(func.count(Site.id)))
    counts["load seconds"] = round(time.perf_counter() - started)
    return counts


def _holds_history() -> bool:
    if not inspect(db.engine).has_table("user_account"):
        return False
    bench_user = select(User.id).where(User.email == seed_large.BENCH_EMAIL)
    return db.session.scalar(bench_user) is not None


def _counted() -> dict:
    from portal.meetings.models import Meeting
    from portal.questions.models import Question

    return {
        "sites": db.session.scalar(select(func.count(Site.id))),
        "meetings": db.session.scalar(select(func.count(Meeting.id))),
        "questions": db.session.scalar(select(func.count(Question.id))),
    }


def in_process(app, repeat: int) -> dict:
    figures = {}
    fda = db.session.scalars(select(User).where(User.email == seed_large.BENCH_EMAIL)).one()
    client = signed_in_client(app, fda)
    today = date.today()
    for label, query in (
        ("fiscal year", "fiscal_year=2025"),
        ("whole history", f"date_from=2000-01-01&date_to={today.isoformat()}"),
    ):
        figures[f"dashboard {label}"] = timed(client, f"/metrics?{query}", repeat)
        figures[f"dashboard miss {label}"] = timed_misses(app, client, f"/metrics?{query}", repeat)
    firm_user = db.session.scalars(
        select(User).where(User.role == Role.FIRM_ADMIN).order_by(User.id)
    ).first()
    client = signed_in_client(app, firm_user)
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    figures["firm page"] = timed(client, "/firm", repeat)
    event.listen(db.engine, "before_cursor_execute", count)
    g.__dict__.clear()
    client.get("/firm").get_data()
    event.remove(db.engine, "before_cursor_execute", count)
    figures["firm statements"] = len(statements)
    figures["firm cookie"] = session_cookie(app, firm_user)
    figures["fda cookie"] = session_cookie(app, fda)
    return figures


def api(app, repeat: int) -> dict:
    from portal.api.paging import encode_cursor
    from portal.api.services import issue_token

    fda = db.session.scalars(select(User).where(User.email == seed_large.BENCH_EMAIL)).one()
    _token, plain = issue_token("benchmark", by=fda)
    db.session.commit()
    try:  # the keyset the sites list pages by (after issue 15: an indexed column)
        from portal.api.resources import site_keys

        keys = site_keys()
    except ImportError:  # before: computed per request from the site's related records
        from portal.api.resources import page_keys
        from portal.api.serialize import newest
        from portal.sites.models import Inspection, Product, RegulatoryAction

        keys = page_keys(
            Site,
            newest(Product.updated_at, Product.site_id == Site.id),
            newest(Inspection.updated_at, Inspection.site_id == Site.id),
            newest(RegulatoryAction.updated_at, RegulatoryAction.site_id == Site.id),
        )
    keyed = keys.subquery()
    total = db.session.scalar(select(func.count(Site.id)))
    figures = {}
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    for label, depth in (("first page", 0), ("middle", total // 2), ("last pages", total - 300)):
        url = "/api/v1/sites?limit=200"
        if depth:
            row = db.session.execute(
                select(keyed.c.updated_at, keyed.c.public_id)
                .order_by(keyed.c.updated_at, keyed.c.public_id)
                .offset(depth)
                .limit(1)
            ).one()
            db.session.rollback()
            with app.test_request_context():
                url += "&cursor=" + encode_cursor("sites", row[0], row[1])
        times = []
        for _ in range(repeat):
            g.__dict__.clear()
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.status_code
            assert len(response.json["data"]) >= 1
            times.append((time.perf_counter() - started) * 1000)
        figures[label] = statistics.median(times)
    return figures


def upload(server: Gunicorn, cookie: str, data: bytes) -> tuple[float, int, str]:
    """POST the file through the upload page: (seconds, status, where it led)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    name, value = cookie.split("=", 1)
    jar.set_cookie(
        http.cookiejar.Cookie(
            0,
            name,
            value,
            None,
            False,
            "127.0.0.1",
            False,
            False,
            "/",
            True,
            False,
            None,
            False,
            None,
            None,
            {},
        )
    )
    page = opener.open(f"{server.url}/imports/inspections", timeout=60).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="inspections-benchmark.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{server.url}/imports/inspections",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        method="POST",
    )
    started = time.perf_counter()
    try:
        response = opener.open(request, timeout=300)
        status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    except (ConnectionError, http.client.HTTPException) as error:
        status, location = 0, f"connection closed ({type(error).__name__})"
    return time.perf_counter() - started, status, location


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def served(env: dict, figures: dict, wrk_seconds: int, import_rows: int) -> dict:
    results = {}
    hello = Gunicorn("benchmarks.hello_app:app", env)
    try:
        wrk(f"{hello.url}/", 2, None)
        results["hello"] = wrk(f"{hello.url}/", wrk_seconds, None)
    finally:
        hello.stop()
    portal = Gunicorn("wsgi:app", env)
    try:
        cookie = browser_cookie(f"{portal.url}/firm", figures["firm cookie"])
        wrk(f"{portal.url}/firm", 2, cookie)
        results["firm"] = wrk(f"{portal.url}/firm", wrk_seconds, cookie)
    finally:
        portal.stop()

    # Memory: one fresh server for the dashboard, the upload and the largest export.
    portal = Gunicorn("wsgi:app", env)
    try:
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", figures["fda cookie"])]
        today = date.today().isoformat()
        for _ in range(3):
            opener.open(f"{portal.url}/metrics?date_from=2000-01-01&date_to={today}").read()
        results["rss dashboard"] = portal.worker_peak_mb()
        started = time.perf_counter()
        size, cut = 0, ""
        try:
            with opener.open(
                f"{portal.url}/exports/records/questions.csv?date_from=2000-01-01&date_to={today}"
            ) as response:
                while chunk := response.read(1 << 16):
                    size += len(chunk)
        except http.client.IncompleteRead as error:
            # gunicorn's sync worker is killed when one response outlasts --timeout, even
            # while it streams: report it and go on to the upload.
            size += len(error.partial)
            cut = f"cut off ({type(error).__name__}: the worker outlived gunicorn's timeout?)"
        results["export"] = (time.perf_counter() - started, size, cut)
        results["rss export"] = portal.worker_peak_mb()
        data = inspections_file(import_rows, max(import_rows // 25, 10))
        results["upload"] = upload(portal, figures["fda cookie"], data)
        results["rss upload"] = portal.worker_peak_mb()
    finally:
        portal.stop()
    if "/imports/jobs/" in results["upload"][2]:
        started = time.perf_counter()
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "work", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        peak = 0.0
        while worker.poll() is None:
            peak = max(peak, peak_rss_mb(worker.pid))
            time.sleep(0.2)
        results["job"] = (time.perf_counter() - started, peak)
    return results


def report(name: str, counts: dict, figures: dict, api_figures: dict, results: dict) -> None:
    print(f"\n=== {name} ===")
    print(
        "data: "
        + ", ".join(f"{value:,} {key}" for key, value in counts.items() if key != "load seconds")
        + f" (loaded in {counts['load seconds']} s)"
    )
    for label in ("fiscal year", "whole history"):
        first, median = figures[f"dashboard {label}"]
        print(f"dashboard, {label:<14} median {median:8.1f} ms   (first request {first:.0f} ms)")
        print(
            f"   on a cache miss (after a write) median "
            f"{figures[f'dashboard miss {label}']:8.1f} ms"
        )
    first, median = figures["firm page"]
    print(
        f"/firm in process           median {median:8.1f} ms   "
        f"{figures['firm statements']} SQL statements"
    )
    for label, value in api_figures.items():
        print(f"/api/v1/sites, {label:<12} median {value:8.1f} ms per page of 200")
    hello_rps, _hp50, _hp99 = results["hello"]
    firm_rps, p50, p99 = results["firm"]
    print(f"wrk -t2 -c16, gunicorn 2 workers: hello {hello_rps:,.0f} req/s, /firm {firm_rps:,.1f}")
    spread = f"{p99 / p50:.2f}" if p50 else "n/a"
    print(
        f"   ratio /firm / hello {firm_rps / hello_rps:.3f}; /firm p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, p99/p50 {spread}"
    )
    seconds, status, where = results["upload"]
    print(
        f"upload of the inspections file: the request took {seconds:.1f} s, answered {status}"
        f" -> {where or '-'}"
    )
    if "job" in results:
        job_seconds, job_peak = results["job"]
        print(f"   background job: {job_seconds:.1f} s, job worker peak RSS {job_peak:.0f} MB")
    export_seconds, export_size, cut = results["export"]
    print(
        f"questions CSV export (whole history): {export_size / 1e6:.1f} MB in "
        f"{export_seconds:.1f} s {cut}"
    )
    print(
        "gunicorn worker peak RSS: after the dashboard "
        f"{results['rss dashboard']:.0f} MB, after the export {results['rss export']:.0f} MB, "
        f"after the upload {results['rss upload']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="use the databases' history when they hold one instead of seeding again",
    )
    parser.add_argument("--sqlite-path", help="the SQLite database file (default: a temporary one)")
    args = parser.parse_args()
    api_sites = max(int(API_SITES * args.scale), 1000)
    print(
        f"scale {args.scale}: {int(10_000 * args.scale):,} sites in the history, "
        f"{api_sites:,} sites for the API, {args.import_rows:,}-row upload; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    if os.environ.get("BENCH_TMPDIR"):
        tempfile.tempdir = os.environ["BENCH_TMPDIR"]
    with tempfile.TemporaryDirectory(prefix="sep-perf-") as tmp:
        for name in args.databases.split(","):
            sqlite_path = args.sqlite_path or f"{tmp}/perf.sqlite3"
            url = POSTGRES_URL if name == "postgresql" else f"sqlite:///{sqlite_path}"
            env = dict(
                os.environ,
                DATABASE_URL=url,
                PORTAL_ENV="development",
                SECRET_KEY=SECRET_KEY,
                LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
                # The code before issue 15 took uploads only up to MAX_CONTENT_LENGTH.
                MAX_CONTENT_LENGTH=str(64 * 1024 * 1024),
            )
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "PORTAL_ENV": "development",
                    "SECRET_KEY": SECRET_KEY,
                }
            )
            with app.app_context():
                counts = load(app, args.scale, api_sites, keep_data=args.keep_data)
                figures = in_process(app, args.repeat)
                api_figures = api(app, max(args.repeat // 3, 3))
                db.session.remove()
                db.engine.dispose()
            results = served(env, figures, args.wrk_seconds, args.import_rows)
            report(name, counts, figures, api_figures, results)
            print(f"(load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
