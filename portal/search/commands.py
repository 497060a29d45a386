"""`flask search reindex`: the index rebuilt from the tables (after a bulk load, or to repair)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Empty the search index and fill it again from every searchable record, in one
    transaction: searches see the old index until the new one is committed."""
    from portal.search.indexing import rebuild

    started = time.perf_counter()
    counts = rebuild(db.session.connection())
    db.session.commit()
    elapsed = time.perf_counter() - started
    listed = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    click.echo(f"indexed {sum(counts.values())} entries ({listed}) in {elapsed:.1f} s")


def register(app: Flask) -> None:
    app.cli.add_command(search_cli)
