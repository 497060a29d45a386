"""`flask` commands: accounts, demo data, mail delivery, reminders.

A domain adds its own commands in ``portal/<domain>/commands.py`` with a
``register(app)`` function, and names it in ``register`` below.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db

mail_cli = AppGroup("mail", help="Outgoing email.")
reminders_cli = AppGroup("reminders", help="Scheduled reminder emails.")


@mail_cli.command("send")
def mail_send() -> None:
    """Deliver queued email; safe to run often and several at once (cron).

    Each SMTP step waits at most MAIL_TIMEOUT seconds, so a silent server ends the run.
    """
    from portal.mail import deliver_outbox

    report = deliver_outbox()
    click.echo(f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}")


@reminders_cli.command("send")
def reminders_send() -> None:
    """Queue the reminder emails that are due; each goes out once, however often this runs."""
    from portal.feedback.reminders import send_feedback_reminders
    from portal.questions.reminders import send_deadline_reminders

    total = 0
    for job in (send_deadline_reminders, send_feedback_reminders):
        count = job()
        # The command is the request: each job's reminders and emails are saved together.
        db.session.commit()
        click.echo(f"{job.__module__}:{job.__name__}: {count} queued")
        total += count
    click.echo(f"{total} reminders queued; `flask mail send` delivers them.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option(
    "--role", type=click.Choice(["fda_admin", "fda_staff"]), default="fda_admin", show_default=True
)
def create_user(email: str, full_name: str, role: str) -> None:
    """Create an FDA account; its set-up link is queued for `flask mail send` (first admin)."""
    from portal.auth import services
    from portal.auth.models import Role

    try:
        user = services.create_user(email=email, full_name=full_name, role=Role(role))
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({role}). A set-up link is in the outbox;")
    click.echo("run `flask mail send` to deliver it.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo accounts and records, once. Running it again changes nothing."""
    from portal import demo

    created = demo.seed()
    if created:
        click.echo("Demo data loaded.")
    else:
        demo.renew_fda_recovery()
        click.echo("Demo data already present.")
    demo.print_logins(click.echo)


@click.command("totp-code")
@click.argument("email")
def totp_code(email: str) -> None:
    """Print the current two-step code of a demo account (development only)."""
    from portal.auth import totp
    from portal.auth.services import find_user_by_email

    if current_app.config["PORTAL_ENV"] != "development":
        raise click.ClickException("Only in development (PORTAL_ENV=development).")
    user = find_user_by_email(email)
    if user is None or user.totp_secret is None:
        raise click.ClickException(f"No account with two-step sign-in for {email}.")
    click.echo(totp.current_code(user.totp_secret))


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(totp_code)
    from portal.imports import commands as import_commands
    from portal.invitations import commands as invitation_commands
    from portal.jobs import commands as job_commands
    from portal.messages import commands as message_commands
    from portal.metrics import commands as metrics_commands
    from portal.search import commands as search_commands

    for domain_commands in (
        import_commands,
        invitation_commands,
        job_commands,
        message_commands,
        metrics_commands,
        search_commands,
    ):
        domain_commands.register(app)
