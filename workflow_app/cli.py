"""Command-line tools: ``flask --app wsgi seed-demo | seed-scale | create-user | workflow-diagram | scheduler |
backup | restore`` and the groups registered below (export, import, api-token, certificates, notices,
reminders, jobs). Each command is one unit of work (``core.work.transactional``), or runs its rows as
units of their own."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from sqlalchemy import select

from states.nomination import mermaid
from workflow_app import scheduler
from workflow_app.auth.services import create_user
from workflow_app.backup.cli import backup_command, restore_command
from workflow_app.certificates.cli import group as certificates_group
from workflow_app.core import work
from workflow_app.demo.scale import SCALE_PASSWORD, ScaleRefused, seed_scale
from workflow_app.demo.seed import DEMO_PASSWORD, seed_demo
from workflow_app.exports.cli import group as export_group
from workflow_app.extensions import db
from workflow_app.imports.cli import group as import_group
from workflow_app.jobs.cli import group as jobs_group
from workflow_app.jobs.queue import uses_queue
from workflow_app.notice.cli import group as notices_group
from workflow_app.orgs.models import OrgUnit
from workflow_app.review.cli import group as reminders_group
from workflow_app.stats import cli as _statistics_export  # noqa: F401 (adds `export statistics`)
from workflow_app.tokens.cli import group as api_token_group


def register_cli(app: Flask) -> None:
    for group in (certificates_group, reminders_group, notices_group, export_group, import_group,
                  api_token_group, jobs_group):
        app.cli.add_command(group)
    for command in (backup_command, restore_command, seed_demo_command, seed_scale_command, create_user_command,
                    workflow_diagram_command, scheduler_command):
        app.cli.add_command(command)


@click.command("seed-demo")
@work.transactional
def seed_demo_command():
    """Load the Shenqiu County demo (idempotent) and print the demo logins."""
    logins = seed_demo()
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in logins:
        click.echo(f"  {username:<12} {description}")


@click.command("seed-scale")
@click.option("--nominations", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="How many nominations to create.")
@click.option("--users", type=click.IntRange(min=100), default=5000, show_default=True)
@click.option("--counties", type=click.IntRange(min=1, max=990), default=160, show_default=True,
              help="Counties in the tree (each with 15 townships and 47 branches; 160 give ~10,000 units).")
@click.option("--force", is_flag=True, help="Add the data set even though the database already holds data.")
def seed_scale_command(nominations, users, counties, force):
    """Build a large data set for benchmarks (bulk inserts in transactions of their own, outside the ORM
    session; about 10,000 units and 5,000 users)."""
    try:
        summary = seed_scale(nominations, users=users, counties=counties, force=force)
    except ScaleRefused as refusal:
        raise click.ClickException(f"the database already holds data ({refusal}); use an empty database, "
                                   "or --force to add the scale data set alongside") from None
    for table, count in summary.counts.items():
        click.echo(f"  {table:<26} {count:>9,}")
    click.echo(f"Built in {summary.seconds:.1f} s. Logins (password {SCALE_PASSWORD}): "
               + ", ".join(f"{what} {name}" for what, name in summary.logins.items()))


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown in the app and the audit log.")
@click.option("--role", "roles", multiple=True, required=True,
              help="ROLE:UNIT_CODE, e.g. reviewer:411624100; repeat for more.")
@click.password_option()
@click.option("--must-change/--no-must-change", "must_change", default=True, show_default=True,
              help="Make the user choose their own password at the first login.")
def create_user_command(username, display_name, roles, password, must_change):
    """Create a user with one or more role assignments (the password policy applies)."""
    pairs = []
    for spec in roles:
        role, _, code = spec.partition(":")
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise click.BadParameter(f"no org unit with code {code!r}", param_hint="--role")
        pairs.append((role, unit))
    try:
        with work.unit():
            create_user(username, password, display_name, pairs, must_change_password=must_change)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:  # e.g. the username is taken
        raise click.ClickException(f"could not create the user: {error.__class__.__name__}") from None
    click.echo(f"created {username}")


@click.command("workflow-diagram")
def workflow_diagram_command():
    """Print the nomination workflow as a Mermaid state diagram."""
    click.echo(mermaid(), nl=False)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every task once and stop (tests, a cron that runs it all).")
def scheduler_command(once: bool):
    """Run the scheduled work: close notices that are over, resend e-mail, daily reminders, job clean-up.
    With Redis configured, as RQ's cron (the workers do the work); else in this process."""
    app = current_app._get_current_object()
    if uses_queue() and not once:
        click.echo("scheduler: RQ cron on the job queue (run `flask --app wsgi jobs worker` beside it)")
        scheduler.run_with_rq(app)
        return
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    if not once:
        click.echo("scheduler: running the tasks in this process (Ctrl-C to stop)")
    scheduler.run_inline(app, stop, once=once)
