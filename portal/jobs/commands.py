"""`flask jobs work`: the background worker (see portal.jobs.runner)."""

from __future__ import annotations

import signal

import click
from flask import Flask
from flask.cli import AppGroup

from portal.jobs.runner import work

jobs_cli = AppGroup("jobs", help="Background jobs (long imports).")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then exit (for cron).")
def work_command(once: bool) -> None:
    """Run background jobs; SIGTERM or Ctrl-C finishes the current step and hands the job back."""
    stopping = []

    def stop(_signum, _frame):
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ended = work(once=once, should_stop=lambda: bool(stopping))
    click.echo(f"Jobs finished: {ended}.")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
