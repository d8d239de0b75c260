"""The same jobs through a real RQ queue on Redis (127.0.0.1:6379, database 13 unless
WORKFLOW_TEST_REDIS_URL says otherwise; each test has a queue of its own and removes its keys).
Skipped when no Redis answers; CI sets WORKFLOW_REQUIRE_REDIS=1, which turns the skip into a failure."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.conftest import require
from tests.factories import bring_to
from tests.test_certificates import certified
from tests.test_jobs import _get, _job_id, _print_all
from workflow_app.certificates.models import Certificate, PrintLog
from workflow_app.extensions import db
from workflow_app.jobs.models import Job

REDIS_URL = os.environ.get("WORKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def redis_or_skip():
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError as error:
        require("Redis", "WORKFLOW_REQUIRE_REDIS", f"no Redis answers at {REDIS_URL} ({error}); queue tests skipped")
    return connection


def remove_keys(connection, name: str, job_ids) -> None:
    """Everything RQ keeps for queue ``name``: the queue, its registries, its jobs and their results."""
    ids = set(job_ids)
    for registry in ("finished", "failed", "started", "wip", "deferred", "scheduled", "canceled"):
        key = f"rq:{registry}:{name}"
        if connection.type(key) == b"zset":
            ids.update(member.decode().split(":")[0] for member in connection.zrange(key, 0, -1))
    ids.update(member.decode() for member in connection.lrange(f"rq:queue:{name}", 0, -1))
    for key in connection.scan_iter(match=f"*{name}*", count=1000):
        connection.delete(key)
    for job_id in ids:
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}", f"rq:dependents:{job_id}")
    connection.srem("rq:queues", f"rq:queue:{name}")


@pytest.fixture
def redis_queue(app):
    """A queue of this test's own on the test Redis; its keys and its jobs' keys are removed after."""
    connection = redis_or_skip()
    name = f"test-jobs-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=name)
    yield SimpleNamespace(connection=connection, name=name)
    db.session.rollback()
    queued = [job_id for job_id in db.session.scalars(select(Job.queue_job_id)) if job_id]
    remove_keys(connection, name, queued)
    connection.close()


def run_worker_here(queue) -> None:
    """An RQ worker in the test process (no fork), until the queue is empty."""
    from rq import Queue, SimpleWorker

    rq_queue = Queue(queue.name, connection=queue.connection)
    SimpleWorker([rq_queue], connection=queue.connection).work(burst=True)


@pytest.fixture
def certificates(world):
    return [certified(world, name=name, unit=world.branch1 if i % 2 else world.branch2)
            for i, name in enumerate(["马金凤", "沙建国", "白玉兰"])]


def test_a_batch_waits_on_the_queue_until_a_forked_worker_started_from_the_command_line_prints_it(
        app, client, world, login_as, redis_queue, certificates):
    app.config.update(PRINT_JOB_THRESHOLD=1, PRINT_CHUNK_PAGES=2)
    login_as("admin")
    job_id = _print_all(client, world)
    job = db.session.get(Job, job_id)
    assert job.state == "queued" and job.queue_job_id, "with Redis the request only enqueues"
    assert redis_queue.connection.llen(f"rq:queue:{redis_queue.name}") == 1
    assert client.get(f"/jobs/{job_id}/status").json["state"] == "queued"
    db.session.commit()  # nothing of ours holds the database while the worker writes

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
           "WORKFLOW_DEMO": "0", "WORKFLOW_INSTANCE": app.config["INSTANCE_PATH"],
           "WORKFLOW_STORAGE": app.config["STORAGE_ROOT"], "WORKFLOW_UPLOADS": app.config["UPLOAD_FOLDER"],
           "WORKFLOW_REDIS_URL": REDIS_URL, "WORKFLOW_JOBS_QUEUE": redis_queue.name,
           "WORKFLOW_PRINT_CHUNK_PAGES": "2"}
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr[-3000:]

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.done, job.total, job.error) == ("done", 3, 3, None), worker.stderr[-3000:]
    download = _get(client, f"/jobs/{job_id}/download")
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.namelist() == ["part-001-of-002.pdf", "part-002-of-002.pdf", "contents.csv"]
    assert db.session.scalar(select(func.count(PrintLog.id)).where(PrintLog.job == f"job-{job_id}")) == 3
    assert redis_queue.connection.llen(f"rq:queue:{redis_queue.name}") == 0


def test_a_failed_job_on_the_queue_is_retried_through_the_queue(app, client, world, login_as, redis_queue,
                                                               certificates):
    app.config.update(PRINT_JOB_THRESHOLD=1)
    certificates[0].recipient = "马\U00030000"  # in no configured font
    db.session.commit()
    login_as("admin")
    job_id = _print_all(client, world)
    run_worker_here(redis_queue)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.state == "failed" and "U+30000" in job.error

    db.session.get(Certificate, certificates[0].id).recipient = "马金凤"
    db.session.commit()
    client.post(f"/jobs/{job_id}/retry")
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == "queued", "the retry goes back on the queue"
    run_worker_here(redis_queue)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.attempts) == ("done", 2)


def test_a_long_export_runs_on_the_queue_in_the_starters_visibility(app, client, world, login_as, redis_queue):
    for name in ("马金凤", "沙建国", "白玉兰"):
        bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                      nominee_name=name, id_number=factories.id_number()), "township_review")
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch2, world.chair2,
                                  nominee_name="张明远", id_number=factories.id_number()), "township_review",
             factories.SECOND_TOWNSHIP)
    app.config["EXPORT_JOB_THRESHOLD"] = 2
    login_as("town1")
    job_id = _job_id(client.post("/exports/nominations", data={"campaign": world.campaign.id}))
    run_worker_here(redis_queue)
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == "done"
    sheet = load_workbook(io.BytesIO(_get(client, f"/jobs/{job_id}/download").data)).active
    names = sorted(row[1] for row in list(sheet.iter_rows(values_only=True))[1:])
    assert names == sorted(["马金凤", "沙建国", "白玉兰"]), "only what the township reviewer sees"


def test_a_queue_that_does_not_answer_fails_the_job_with_a_message_not_the_request(
        app, client, world, login_as, certificates):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", PRINT_JOB_THRESHOLD=1)  # nothing listens on port 1
    login_as("admin")
    job_id = _print_all(client, world)
    job = db.session.get(Job, job_id)
    assert job.state == "failed" and job.error
    assert client.get(f"/jobs/{job_id}").status_code == 200


def test_a_job_redis_lost_before_it_ran_is_failed_by_the_cleanup_and_can_be_retried(
        app, client, world, login_as, redis_queue, certificates):
    from datetime import timedelta

    from workflow_app.core.timeutil import utcnow
    from workflow_app.jobs import services

    app.config.update(PRINT_JOB_THRESHOLD=1)
    login_as("admin")
    job = db.session.get(Job, _print_all(client, world))
    redis_queue.connection.delete(f"rq:job:{job.queue_job_id}")  # as if Redis restarted without its data
    job.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert services.cleanup()["stale"] == 1
    db.session.refresh(job)
    assert job.state == "failed" and job.error
    client.post(f"/jobs/{job.id}/retry")
    run_worker_here(redis_queue)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "done"
