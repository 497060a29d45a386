"""`flask invitations ...`: the scheduled side of invitation letters."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db

invitations_cli = AppGroup("invitations", help="Invitation letters.")


@invitations_cli.command("expire")
def expire() -> None:
    """Mark letters past their expiry as expired (SPEC 4); safe to run any number of times."""
    from portal.invitations.services import expire_overdue

    count = expire_overdue()
    db.session.commit()
    click.echo(f"{count} invitation{'s' if count != 1 else ''} marked expired.")


def register(app: Flask) -> None:
    app.cli.add_command(invitations_cli)
