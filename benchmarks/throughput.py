"""Requests per second of a signed-in firm page, next to a bare Flask "hello", under gunicorn.

Both are served by gunicorn on 127.0.0.1 with the same settings; the same
keep-alive load generator hits each for the same time. The ratio says what the
portal's work (session checks, queries, templates, audit log) costs per request.

    .venv/bin/python benchmarks/throughput.py [--seconds 10] [--connections 4] [--workers 2]

Uses a throwaway SQLite database with the demo data unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRM_EMAIL = "quality.lead@northwind-pharma.example.com"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(module: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            module,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{module} did not start")


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def sign_in(port: int, password: str) -> tuple[str, str]:
    """Sign the demo firm lead in; returns (cookie header, path of the firm's home page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    response, body = request(conn, "GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrf_token": token, "email": FIRM_EMAIL, "password": password})
    response, _ = request(
        conn,
        "POST",
        "/login",
        form,
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    cookie = response.getheader("Set-Cookie").split(";")[0]
    response, _ = request(conn, "GET", "/", headers={"Cookie": cookie})
    home = response.getheader("Location") or "/"
    response, _ = request(conn, "GET", home, headers={"Cookie": cookie})
    assert response.status == 200, f"{home} answered {response.status}"
    conn.close()
    return cookie, urllib.parse.urlsplit(home).path


def load(port: int, path: str, cookie: str | None, seconds: float, connections: int) -> float:
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Cookie": cookie} if cookie else {}
        while time.monotonic() < stop:
            response, _ = request(conn, "GET", path, headers=headers)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            PORTAL_ENV="development",
            SECRET_KEY="benchmark-secret-key",
            LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
        subprocess.run(
            [*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        sys.path.insert(0, str(ROOT))
        from portal.demo import DEMO_PASSWORD

        results = {}
        for label, module in (("hello", "benchmarks.hello_app:app"), ("portal", "wsgi:app")):
            port = free_port()
            server = serve(module, port, args.workers, env)
            try:
                if label == "portal":
                    cookie, path = sign_in(port, DEMO_PASSWORD)
                else:
                    cookie, path = None, "/"
                load(port, path, cookie, 1, args.connections)  # warm-up
                results[label] = (path, load(port, path, cookie, args.seconds, args.connections))
            finally:
                server.terminate()
                server.wait()
    hello_rps = results["hello"][1]
    portal_path, portal_rps = results["portal"]
    print(
        f"gunicorn, {args.workers} workers, {args.connections} keep-alive connections, "
        f"{args.seconds:.0f} s each"
    )
    print(f"bare Flask 'hello'            {hello_rps:8.1f} requests/s")
    print(f"signed-in firm page {portal_path:<10}{portal_rps:8.1f} requests/s")
    print(f"ratio portal/hello            {portal_rps / hello_rps:8.3f}")


if __name__ == "__main__":
    main()
