"""Scheduled work: what happens by itself, never on a page view.

The tasks are data: a name, the function (each one runs its rows as units of work of their own, so a task
that stops half way has lost nothing and a second scheduler running at the same time changes nothing twice)
and how often. ``flask --app wsgi scheduler`` runs them:

- with Redis configured (``WORKFLOW_REDIS_URL``), as RQ's own cron scheduler: it enqueues each task on the
  job queue at its interval and the workers (``flask --app wsgi jobs worker``) run it;
- without Redis (the embedded default, ``make run``), in this process, in a loop.

Cron can run the same functions instead (``notices close``, ``reminders send``, ``reminders resend-email``,
``jobs cleanup``; docs/operations.md). Until the task that closes notices has run, every read already
treats a notice whose last day is over as over, so its timing decides only when the audit row is written.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask
from rq.cron import CronScheduler

from workflow_app.extensions import db
from workflow_app.jobs.queue import redis_connection, resolve, run_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    name: str
    target: str  # "module:function", a function of no arguments
    every: int  # seconds


TASKS = (
    Task("close public notices that are over", "workflow_app.notice.services:close_due_notices", 60),
    Task("send notification e-mail that has not gone out", "workflow_app.notifications.services:deliver_unsent",
         300),
    Task("remind users of overdue to-dos (once a China day, from 08:00)",
         "workflow_app.review.services:send_daily_reminders", 900),
    Task("clean up expired job results and lost jobs", "workflow_app.jobs.services:cleanup", 3600),
)


def run_task_now(app: Flask, task: Task) -> None:
    """One run of ``task`` in ``app``; a failure is logged, and the next run tries again."""
    with app.app_context():
        try:
            result = resolve(task.target)()
            log.info("%s: %s", task.name, result)
        except Exception:
            log.exception("scheduled task %r failed", task.name)
        finally:
            db.session.remove()


def run_inline(app: Flask, stop: threading.Event, *, once: bool = False, tick: float = 5.0) -> None:
    """The embedded scheduler: every task at its interval, in this process, until ``stop`` is set."""
    last: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for task in TASKS:
            if now - last.get(task.name, -task.every) >= task.every:
                last[task.name] = now
                run_task_now(app, task)
        if once:
            return
        stop.wait(tick)


def run_with_rq(app: Flask) -> None:
    """RQ's cron scheduler: each task goes on the job queue at its interval; the workers run it."""
    with app.app_context():
        connection = redis_connection()
        queue_name = app.config["JOBS_QUEUE"]
    cron = CronScheduler(connection=connection, name=f"workflow-scheduler-{id(app):x}")
    for task in TASKS:
        cron.register(run_task, queue_name, args=(task.target,), interval=task.every, name=task.name,
                      job_timeout=app.config["JOBS_TIMEOUT_SECONDS"])
    cron.start()
