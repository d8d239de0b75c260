"""Scheduled work: a notice whose last day is over ends by the scheduler, never by a page view — inline in the
embedded default (``flask --app wsgi scheduler``, what ``make run`` starts beside the server) and through RQ's
own cron with Redis, where a real worker runs what the scheduler enqueued."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.factories import bring_to
from tests.test_jobs_redis import PROJECT_ROOT, REDIS_URL, redis_queue  # noqa: F401 (a fixture)
from workflow_app import scheduler
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination


def due_notice(world) -> int:
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "public_notice")
    nomination.notice_ends_on = china_today() - timedelta(days=1)
    db.session.commit()
    return nomination.id


def ended(nomination_id: int) -> list[tuple]:
    db.session.expire_all()
    return [(e.actor_name, e.to_state) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.nomination_id == nomination_id, AuditEntry.event == "end_notice"))]


def test_every_task_names_a_function_that_exists():
    for task in scheduler.TASKS:
        assert callable(scheduler.resolve(task.target)), task
    assert {task.target.rpartition(":")[2] for task in scheduler.TASKS} >= {"close_due_notices", "deliver_unsent"}


def test_the_embedded_scheduler_ends_a_notice_that_is_over_once(app, world):
    nomination_id = due_notice(world)
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert ended(nomination_id) == [("system", "approved")]
    stop = threading.Event()
    runner = threading.Thread(target=scheduler.run_inline, args=(app, stop), kwargs={"tick": 0.05})
    runner.start()  # a second scheduler running meanwhile changes nothing twice
    time.sleep(0.3)
    stop.set()
    runner.join(5)
    assert not runner.is_alive() and ended(nomination_id) == [("system", "approved")]


def test_with_redis_the_scheduler_enqueues_and_a_real_worker_ends_the_notice(app, world, redis_queue):  # noqa: F811
    nomination_id = due_notice(world)
    db.session.remove()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
           "WORKFLOW_DEMO": "0", "WORKFLOW_INSTANCE": app.config["INSTANCE_PATH"],
           "WORKFLOW_STORAGE": app.config["STORAGE_ROOT"], "WORKFLOW_UPLOADS": app.config["UPLOAD_FOLDER"],
           "WORKFLOW_REDIS_URL": REDIS_URL, "WORKFLOW_JOBS_QUEUE": redis_queue.name}
    cron = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while redis_queue.connection.llen(f"rq:queue:{redis_queue.name}") < len(scheduler.TASKS):
            assert time.monotonic() < deadline and cron.poll() is None, "the scheduler enqueued nothing"
            time.sleep(0.2)
    finally:
        cron.terminate()
        output = cron.communicate(timeout=30)[0]
    assert ended(nomination_id) == [], "the scheduler only enqueues; the worker does the work"
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr[-3000:] + output[-2000:]
    assert ended(nomination_id) == [("system", "approved")]
    assert db.session.get(Nomination, nomination_id).notice_result == "no_objection"
