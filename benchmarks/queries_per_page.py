"""SQL statements issued by every page, per role, on a populated program.

    .venv/bin/python benchmarks/queries_per_page.py [--scale 1]

Builds the test suite's "world" (two firms with one of every record) in a
throwaway SQLite database, optionally --scale times over, signs in as each
role and requests every GET page it may open, counting statements. Run with
--scale 1 and --scale 10: a page whose count changes issues queries per record.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()

    from portal import create_app
    from portal.extensions import db
    from tests.conftest import PortalTestClient, build_world, login_as
    from tests.sweep import get_pages, people

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/queries.sqlite3"}
        )
        app.test_client_class = PortalTestClient
        with app.app_context():
            db.create_all()
            world = build_world()
            for copy in range(1, args.scale):
                build_world(copy=f"-{copy}")
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
            for role, person in people(world).items():
                client = app.test_client()
                login_as(client, person)
                print(f"\n{role}")
                for url in get_pages(app, world, role):
                    statements.clear()
                    response = client.get(url)
                    response.close()
                    print(f"  {len(statements):3d}  {response.status_code}  {url}")


if __name__ == "__main__":
    main()
