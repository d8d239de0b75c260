"""``flask --app wsgi notices close``: end every public notice whose period is over (cron; the scheduler runs
the same task every minute)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow_app.notice.services import close_due_notices

group = AppGroup("notices", help="Public notices (公示).")


@group.command("close")
def close_command() -> None:
    """Approve, as the system, every nomination whose notice ended (China time) with no open objection."""
    closed = close_due_notices()
    click.echo(f"{closed} public notice(s) closed")
