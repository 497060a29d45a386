"""The import commands: `flask import-inspections FILE`, `flask import-compliance-actions
FILE` and `flask import-shortages FILE`.

Each prints the run's summary and every rejected line, and exits non-zero when
the file is refused as a whole (nothing is changed then).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.imports.models import ImportKind
from portal.imports.services import (
    CONCURRENT_IMPORT,
    ImportRefused,
    notes_of,
    rejections_of,
    run_import,
    skipped_by_of,
    skipped_summary,
)

#: Skipped lines printed one by one; the rest are counted (the run's page lists them all).
SKIPPED_SHOWN = 20


def _run(kind: ImportKind, path: str) -> None:
    file = Path(path)
    try:
        run = run_import(kind, file.read_bytes(), file.name)
        db.session.commit()
    except ImportRefused as error:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {error}") from error
    except IntegrityError as error:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {CONCURRENT_IMPORT}") from error
    click.echo(
        f"{file.name}: created {run.created}, updated {run.updated}, "
        f"unchanged {run.unchanged}, rejected {run.rejected}, skipped {run.skipped}"
        f"{skipped_summary(skipped_by_of(run))}."
    )
    if run.sites_created:
        click.echo(f"New sites (FEI numbers not known before): {run.sites_created}.")
    if run.matches_proposed:
        click.echo(
            f"Matches proposed: {run.matches_proposed}. Review them on the portal's Imports page."
        )
    for item in rejections_of(run):
        click.echo(f"  line {item['line']}: {item['reason']}")
    notes = notes_of(run)
    if notes:
        click.echo("Skipped lines and remarks:")
    remarks = [n for n in notes if n.get("kind") != "skipped"]
    skipped = [n for n in notes if n.get("kind") == "skipped"]
    # Thousands of device rows skipped by rule are counted above; a sample says why.
    for item in remarks + skipped[:SKIPPED_SHOWN]:
        prefix = "skipped: " if item.get("kind") == "skipped" else ""
        click.echo(f"  line {item['line']}: {prefix}{item['text']}")
    if len(skipped) > SKIPPED_SHOWN:
        click.echo(
            f"  ... and {len(skipped) - SKIPPED_SHOWN:,} more skipped lines, listed on the "
            "run's page in the portal."
        )


_FILE = click.Path(exists=True, dir_okay=False, readable=True)


@click.command("import-inspections")
@click.argument("file", type=_FILE)
def import_inspections_command(file: str) -> None:
    """Import a Data Dashboard inspection classification export (CSV)."""
    _run(ImportKind.INSPECTIONS, file)


@click.command("import-compliance-actions")
@click.argument("file", type=_FILE)
def import_compliance_actions_command(file: str) -> None:
    """Import a Data Dashboard compliance actions export (CSV)."""
    _run(ImportKind.COMPLIANCE_ACTIONS, file)


@click.command("import-shortages")
@click.argument("file", type=_FILE)
def import_shortages_command(file: str) -> None:
    """Import FDA's drug shortage list export (CSV) and propose site matches."""
    _run(ImportKind.SHORTAGES, file)


@click.command("import-warning-letters")
@click.argument("file", type=_FILE)
def import_warning_letters_command(file: str) -> None:
    """Import FDA's Warning Letters list (CSV): close-outs close the open warning letters."""
    _run(ImportKind.WARNING_LETTERS, file)


def register(app: Flask) -> None:
    app.cli.add_command(import_inspections_command)
    app.cli.add_command(import_compliance_actions_command)
    app.cli.add_command(import_shortages_command)
    app.cli.add_command(import_warning_letters_command)
