"""``flask --app wsgi jobs worker [--burst]`` runs the queue; ``jobs cleanup`` is for cron."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker, Worker

from workflow_app.certificates.pdf.fonts import face
from workflow_app.core import work
from workflow_app.extensions import db
from workflow_app.jobs import services
from workflow_app.jobs.queue import use_app, uses_queue

group = AppGroup("jobs", help="Background jobs: the worker and the clean-up.")


def _preload() -> None:
    """What every print job needs, loaded once in the worker so each forked job starts warm."""
    face(current_app.config.get("CERTIFICATE_BODY_FONT") or None)
    face(current_app.config.get("CERTIFICATE_TITLE_FONT") or None)


@group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked one per job.")
def worker_command(burst: bool, simple: bool) -> None:
    """Run queued jobs (needs WORKFLOW_REDIS_URL). Each job runs in a forked child by default, so a
    crash or the memory of a 10,000-page batch ends with the job."""
    if not uses_queue():
        raise click.ClickException("WORKFLOW_REDIS_URL is not set: without Redis, jobs run inline in the request")
    use_app(current_app._get_current_object())  # the app every task runs in, inherited by each forked job
    _preload()
    # The worker's own process talks to Redis only; a forked job must not share its database connections.
    db.session.remove()
    db.engine.dispose()

    def lost(job, pid, status, rusage) -> None:  # the forked job died (killed, out of memory)
        job_id = job.args[0] if job is not None and job.func_name == "workflow_app.jobs.services.perform" \
            and job.args else None
        if job_id is not None:
            with work.unit():
                services.mark_lost(job_id, f"work horse {pid} ended with status {status}")
            db.session.remove()
            db.engine.dispose()

    queue = services.queue()
    worker_class = SimpleWorker if simple else Worker
    kwargs = {} if simple else {"work_horse_killed_handler": lost}
    worker = worker_class([queue], connection=queue.connection, **kwargs)
    worker.work(burst=burst, logging_level="INFO")


@group.command("cleanup")
def cleanup_command() -> None:
    """Remove expired result files, fail jobs whose worker went silent, drop stray files (cron, hourly)."""
    counts = services.cleanup()
    click.echo(f"expired results removed: {counts['expired']}, lost jobs marked failed: {counts['stale']}, "
               f"stray files removed: {counts['strays']}")
