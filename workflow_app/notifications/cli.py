"""``flask --app wsgi reminders send``: remind users of overdue to-dos, once per China day (cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("reminders", help="Remind users of overdue to-dos.")


@group.command("send")
def send_command() -> None:
    """One reminder (in the app, and by e-mail when SMTP is set up) per user with overdue
    to-dos; running it again the same day sends nothing more."""
    from workflow_app.notifications.services import send_reminders

    count = send_reminders()
    click.echo(f"{count} reminder(s) sent")
