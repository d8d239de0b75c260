"""``flask --app wsgi backup --out FILE`` and ``flask --app wsgi restore FILE [--force]``."""

from __future__ import annotations

from pathlib import Path

import click

from workflow_app.backup.archive import Summary, create_backup, restore_backup
from workflow_app.backup.database import BackupError


def _report(verb: str, summary: Summary) -> None:
    rows = sum(count for table, count in summary.counts.items() if table != "alembic_version")
    click.echo(f"{verb} {summary.path}: schema {summary.revision}, {rows} rows in "
               f"{len(summary.counts)} tables, {summary.files} uploaded files")


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (tar.gz).")
def backup_command(out: Path) -> None:
    """Back up the database and the uploads folder into one archive with a manifest of checksums."""
    try:
        _report("wrote", create_backup(out))
    except BackupError as error:
        raise click.ClickException(str(error)) from None


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and uploads folder that are not empty.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup archive: checked first (checksums, schema), then the database and the uploads."""
    try:
        _report("restored", restore_backup(archive, force=force))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
