"""``flask --app wsgi reminders send``: remind users of overdue to-dos, once per China day;
``reminders resend-email``: send the notification e-mail that has not gone out yet. Both also run from
the scheduler (``flask --app wsgi scheduler``); these are for cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from workflow_app.notifications.services import deliver_unsent
from workflow_app.review.services import send_reminders

group = AppGroup("reminders", help="Remind users of overdue to-dos.")


@group.command("send")
def send_command() -> None:
    """One reminder (in the app, and by e-mail when SMTP is set up) per user with overdue
    to-dos; running it again the same day sends nothing more."""
    click.echo(f"{send_reminders()} reminder(s) sent")


@group.command("resend-email")
def resend_email_command() -> None:
    """E-mail the notifications of the last two days whose e-mail has not gone out (every few minutes);
    each goes out once."""
    click.echo(f"{deliver_unsent()} e-mail(s) sent")
