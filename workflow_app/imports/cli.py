"""``flask --app wsgi import units FILE.xlsx`` and ``flask --app wsgi import users FILE.xlsx``.

The command line is an administrator's act (no jurisdiction limit). An invalid file prints every
row error and exits with status 1, having written nothing."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from workflow_app.core import work
from workflow_app.imports.common import ImportFileError
from workflow_app.imports.kinds import KINDS, plan_file

group = AppGroup("import", help="Import org units or users from an Excel (.xlsx) file.")


@work.transactional
def _run(kind_name: str, path: Path) -> None:
    kind = KINDS[kind_name]
    try:
        plan = plan_file(kind, path.name, path.read_bytes(), None)
    except ImportFileError as error:
        raise click.ClickException(str(error)) from None
    if not plan.ok:
        for error in plan.errors:
            column = f" [{error.column}]" if error.column else ""
            click.echo(f"row {error.row}{column}: {error.message}", err=True)
        raise click.ClickException(f"{len(plan.errors)} errors; nothing was imported")
    generated = kind.apply(plan)
    counts = ", ".join(f"{plan.count(action)} {action}" for action in ("create", "update", "add_role", "unchanged")
                       if plan.count(action))
    click.echo(f"{kind_name}: {counts or 'nothing to do'}")
    for username, password in generated or ():
        click.echo(f"  password for {username}: {password}")


@group.command("units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_command(path: Path) -> None:
    """Create or rename org units (townships and branches) from FILE.xlsx."""
    _run("units", path)


@group.command("users")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def users_command(path: Path) -> None:
    """Create users, or add missing roles to existing ones, from FILE.xlsx."""
    _run("users", path)
