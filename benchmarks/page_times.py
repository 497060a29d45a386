"""Median in-process time of every GET page, per role, on the demo data (issue 15: every
signed-in page within 25 ms).

    .venv/bin/python benchmarks/page_times.py [--repeat 15] [--roles fda_admin,firm_admin]
        [--database sqlite:///path.sqlite3] [--over 25]

Loads the demo (``flask seed-demo``'s accounts and records) into a throwaway SQLite
database, or into --database (it is emptied first), signs in as each demo role and
requests every GET page the role may open, walked from the URL map with ids of the
firm's own records (Northwind, for the firm roles), as tests/e2e/test_view_audit.py
does. Prints each page's median and the pages over --over ms. Figures move with the
machine's load: compare runs made one after the other, or CPU time (--cpu).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import g, url_for  # noqa: E402
from sqlalchemy import inspect, select  # noqa: E402

from benchmarks import perf  # noqa: E402
from portal import create_app  # noqa: E402
from portal.auth.models import Firm, Role, User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import FirmOwned  # noqa: E402
from portal.security.access import policy_of  # noqa: E402

ROLE_POLICIES = {
    "fda_admin": {"signed_in", "fda_staff", "fda_admin"},
    "fda_staff": {"signed_in", "fda_staff"},
    "firm_admin": {"signed_in", "firm_user", "firm_admin"},
    "firm_staff": {"signed_in", "firm_user"},
}
#: The demo firm whose people and records the firm roles use.
DEMO_FIRM = "Northwind Pharmaceuticals"
#: Issue 15: every signed-in page within this many milliseconds, in process.
BUDGET_MS = 25.0


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def record_ids(firm_id: int | None) -> dict[str, uuid.UUID]:
    """A public id per model that URLs take: the firm's own records where the model is
    firm-owned (firm roles), the first of each otherwise."""
    ids = {}
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if "public_id" not in inspect(model).columns:
            continue
        query = select(model.public_id).order_by(model.id).limit(1)
        if firm_id is not None and issubclass(model, FirmOwned):
            query = query.where(model.firm_id == firm_id)
        value = db.session.scalar(query)
        if value is not None:
            ids[snake(model.__name__)] = value
    db.session.rollback()
    return ids


def pages(app, role: str, ids: dict[str, uuid.UUID]) -> list[str]:
    allowed = ROLE_POLICIES[role]
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if policy_of(app.view_functions[rule.endpoint]) not in allowed:
            continue
        values = {}
        for argument in rule.arguments:
            wanted = argument.removesuffix("_id")
            if not argument.endswith("_id") or wanted not in ids:
                break
            values[argument] = ids[wanted]
        else:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def person(role: str, firm: Firm) -> User:
    query = select(User).where(User.role == Role(role)).order_by(User.id)
    if role.startswith("firm"):
        query = query.where(User.firm_id == firm.id)
    return db.session.scalars(query).first()


def time_page(client, url: str, repeat: int, cpu: bool) -> tuple[int, float]:
    """(status, median ms of ``repeat`` requests after a first, warming one)."""
    clock = time.process_time if cpu else time.perf_counter
    times = []
    status = 0
    for n in range(repeat + 1):
        g.__dict__.clear()  # as a server would: each request starts with an empty g
        started = clock()
        response = client.get(url)
        response.get_data()
        elapsed = (clock() - started) * 1000
        status = response.status_code
        response.close()
        if n:
            times.append(elapsed)
    return status, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--roles", default=",".join(ROLE_POLICIES))
    parser.add_argument("--database")
    parser.add_argument("--over", type=float, default=BUDGET_MS)
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of wall time")
    parser.add_argument("--only", default="", help="time only URLs containing this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sep-pages-") as tmp:
        url = args.database or f"sqlite:///{tmp}/pages.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "PORTAL_ENV": "development",
                "SECRET_KEY": perf.SECRET_KEY,
            }
        )
        from portal import demo

        slow = []
        with app.app_context():
            db.drop_all()
            db.create_all()
            demo.seed()
            db.session.commit()
            firm = db.session.scalars(select(Firm).where(Firm.name == DEMO_FIRM)).one()
            for role in args.roles.split(","):
                user = person(role, firm)
                client = perf.signed_in_client(app, user)
                ids = record_ids(firm.id if role.startswith("firm") else None)
                print(f"\n{role} ({user.email})")
                for page in pages(app, role, ids):
                    if args.only not in page:
                        continue
                    status, median = time_page(client, page, args.repeat, args.cpu)
                    flag = "  OVER" if median > args.over and status == 200 else ""
                    print(f"  {median:7.1f} ms  {status}  {page}{flag}")
                    if flag:
                        slow.append((median, role, page))
            db.session.remove()
            db.engine.dispose()
        print(f"\npages over {args.over:g} ms: {len(slow)}")
        for median, role, page in sorted(slow, reverse=True):
            print(f"  {median:7.1f} ms  {role:<10}  {page}")


if __name__ == "__main__":
    main()
