"""The job queue: RQ on Redis when ``WORKFLOW_REDIS_URL`` is set, nothing otherwise (the caller then does the
work in its own process — the embedded default).

``enqueue_task("module:function", *args)`` hands a plain function to a worker; the worker builds the app
once per process (``worker_app``), runs the function inside an app context as its own unit of work, and
retries it (``retries``: the waits in seconds) when it raises."""

from __future__ import annotations

import importlib
import logging
import os

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry

from workflow_app.core import work
from workflow_app.extensions import db

log = logging.getLogger(__name__)
_APP = None


def uses_queue() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def redis_connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue() -> Queue:
    return Queue(current_app.config["JOBS_QUEUE"], connection=redis_connection())


def enqueue_task(target: str, *args, description: str = "", retries: tuple[int, ...] = ()) -> bool:
    """Queue ``target(*args)`` for a worker; False when there is no queue or it does not answer (the
    caller then does the work itself)."""
    if not uses_queue():
        return False
    try:
        queue().enqueue_call("workflow_app.jobs.queue.run_task", args=(target, *args), description=description,
                             retry=Retry(max=len(retries), interval=list(retries)) if retries else None,
                             timeout=current_app.config["JOBS_TIMEOUT_SECONDS"], result_ttl=3600,
                             failure_ttl=7 * 24 * 3600)
    except Exception as error:  # redis.ConnectionError and its kin: the queue is down
        log.error("could not queue %s: %s", target, error)
        return False
    return True


def resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def use_app(app) -> None:
    """The app the worker's tasks run in (``flask jobs worker`` sets its own before it forks)."""
    global _APP
    _APP = app


def worker_app():
    """The worker's app: the one ``flask jobs worker`` set, else the WSGI module's (``FLASK_APP``, by
    default ``wsgi``) for an ``rq worker`` started on its own — found by name, as the Flask CLI finds it."""
    global _APP
    if _APP is None:
        _APP = importlib.import_module(os.environ.get("FLASK_APP", "wsgi").partition(":")[0]).app
    return _APP


def run_task(target: str, *args) -> None:
    """A queued task, in the worker: one unit of work in an app context."""
    if has_app_context():
        with work.unit():
            resolve(target)(*args)
        return
    with worker_app().app_context():
        try:
            with work.unit():
                resolve(target)(*args)
        finally:
            db.session.remove()
