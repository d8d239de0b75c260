"""``flask --app wsgi reminders send``: remind users of overdue to-dos, once per China day (cron);
``reminders resend-email``: send again the e-mail that failed."""

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


@group.command("resend-email")
def resend_email_command() -> None:
    """E-mail again the notifications of the last two days whose e-mail failed (cron, e.g. every 10
    minutes); each goes out once."""
    from workflow_app.notifications.services import resend_unsent_email

    count = resend_unsent_email()
    click.echo(f"{count} e-mail(s) sent")
