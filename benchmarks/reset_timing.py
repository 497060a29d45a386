"""Password reset answers in the same time for known and unknown emails (issue 9, item 6).

Starts the portal under gunicorn (production mode, one worker) on a fresh demo
database, asks for a reset link RUNS times for a demo account and RUNS times for
an address with no account, interleaved, and prints the median of each.

    .venv/bin/python -m benchmarks.reset_timing [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e import harness


def main(runs: int = 30) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reset-timing-"))
    database = harness.demo_database("reset_timing", tmp)
    known_email = harness.demo_people()["firm_admin@a"]["email"]
    server = harness.start_portal(
        database, tmp, env={"EMAIL_LINK_LIMIT_PER_ADDRESS": "100000 per minute"}, workers=1
    )
    try:
        visitor = harness.Visitor(server)
        visitor.get("/password/forgot")
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for run in range(runs + 3):
            for kind, email in (("known", known_email), ("unknown", f"nobody{run}@example.com")):
                started = time.perf_counter()
                response = visitor.post("/password/forgot", {"email": email})
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.status_code
                if run >= 3:  # the first few warm the worker
                    times[kind].append(elapsed)
        for kind, values in times.items():
            print(f"{kind:8} median {statistics.median(values):6.2f} ms over {len(values)} runs")
    finally:
        server.stop()
        database.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
