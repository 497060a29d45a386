"""`flask metrics rebuild`: recount the dashboard's summary rows from the records."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db

metrics_cli = AppGroup("metrics", help="The success dashboard's figures.")


@metrics_cli.command("rebuild")
def rebuild() -> None:
    """Recount the per-day summary rows (kept by triggers) from questions and meetings."""
    from portal.metrics.services import rebuild_summaries

    days = rebuild_summaries()
    db.session.commit()
    click.echo(f"Recounted the dashboard's summary: {days:,} day{'' if days == 1 else 's'}.")


def register(app: Flask) -> None:
    app.cli.add_command(metrics_cli)
