"""`flask messages digest`: the daily digest of new messages (SPEC 14)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from portal.extensions import db

messages_cli = AppGroup("messages", help="Engagement messages.")


@messages_cli.command("digest")
def digest() -> None:
    """Queue today's digests; each person gets at most one a day, however often this runs."""
    from portal.messages.digest import digest_readers, queue_digest
    from portal.security.tenancy import program_scope
    from portal.timeutil import utcnow

    now = utcnow()
    count = 0
    with program_scope(db.session):
        for person in digest_readers():
            try:
                queued = queue_digest(person, now)
                db.session.commit()
            except IntegrityError:
                # A concurrent run committed this person's digest first.
                db.session.rollback()
                continue
            count += queued
    plural = "" if count == 1 else "s"
    click.echo(f"{count} digest{plural} queued; `flask mail send` delivers them.")


def register(app: Flask) -> None:
    app.cli.add_command(messages_cli)
