"""Starting, running, retrying and cleaning up jobs.

``create_job`` adds the row and queues its start for after the commit (``dispatch``): the RQ queue when
``REDIS_URL`` is set, else at once in the calling process (the embedded default). Either way ``perform``
does the work in units of its own: it claims the row (queued → running, once, whatever the queue delivers)
and commits that; calls the kind's function and commits "done" together with what the kind logged (print
log, export log), or "failed" with a message for the user. Progress is written beside the unit, on a
connection of its own (``Progress``), so that people watching see it while the work's own rows still
commit once at the end."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from rq.exceptions import NoSuchJobError
from rq.job import Job as QueuedJob
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, update

from workflow_app.auth.models import User
from workflow_app.core import storage, work
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.jobs.kinds import KINDS, JobFailed
from workflow_app.jobs.models import Job
from workflow_app.jobs.queue import queue, redis_connection, uses_queue, worker_app
from workflow_app.orgs.models import OrgUnit

log = logging.getLogger(__name__)
STORAGE_AREA = "jobs"


class Progress:
    """Counts the items a job has done and writes the count to its row every ``every`` items (one small
    write per ~1 %, not one per page or row), each write a unit of work of its own so that people watching
    see it while the job runs. A kind adds its own rows (print log, export log) only after its last step,
    to commit with "done": a step refuses to commit anything but the job's row."""

    def __init__(self, job: Job):
        self.job = job
        self.total = 0
        self.count = 0
        self.written = 0
        self.every = 100

    def start(self, total: int) -> None:
        self.total, self.count, self.written = total, 0, 0
        self.every = max(100, total // 100)
        self._write()

    def advance(self, items: int = 1) -> None:
        self.count += items
        if self.count - self.written >= self.every:
            self._write()

    def _write(self) -> None:
        others = work.unexpected_writes() - {Job.__tablename__}
        if others:
            raise RuntimeError(f"a job's progress step would commit its work ({', '.join(sorted(others))}); "
                               "write those rows after the last step")
        self.written = self.count
        with work.unit():
            self.job.total, self.job.done, self.job.updated_at = self.total, self.count, utcnow()


def create_job(kind: str, params: dict, actor: User, unit: OrgUnit) -> Job:
    """A queued job (flushed); it starts once the unit of work that made it has committed."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, created_by=actor, unit=unit, state="queued")
    db.session.add(job)
    db.session.flush()
    work.after_commit(dispatch, job.id)
    return job


def common_unit(user: User) -> OrgUnit:
    """The lowest unit above all of ``user``'s roles: the scope of a job whose data is "what this
    person sees" (county administrators over it may open the job too)."""
    units = [assignment.org_unit for assignment in user.roles]
    common = min(units, key=lambda unit: len(unit.path))
    while not all(common.contains(unit) for unit in units):
        common = common.parent
    return common


def dispatch(job_id: int) -> None:
    """Run the committed job: on the queue when Redis is configured, else here and now. A queue that
    does not answer fails the job with a message rather than the request."""
    if not uses_queue():
        perform(job_id)
        return
    try:
        queued = queue().enqueue_call("workflow_app.jobs.services.perform", args=(job_id,),
                                      timeout=current_app.config["JOBS_TIMEOUT_SECONDS"], result_ttl=3600,
                                      failure_ttl=7 * 24 * 3600, description=f"job #{job_id}")
    except Exception as error:  # redis.ConnectionError and its kin: the queue is down
        log.error("could not enqueue job %s: %s", job_id, error)
        with work.unit():
            _fail(job_id, lambda: _("The job queue is not reachable; try again later or tell the administrator."))
        return
    with work.unit():
        db.session.execute(update(Job).where(Job.id == job_id).values(queue_job_id=queued.id))


def perform(job_id: int) -> None:
    """Do the job's work (the RQ task and the inline path alike)."""
    if has_app_context():
        _perform(job_id)
        return
    with worker_app().app_context():
        try:
            _perform(job_id)
        finally:
            db.session.remove()


def _claim(job_id: int) -> Job | None:
    """queued → running in one UPDATE: a job delivered twice, or already retried, runs once."""
    now = utcnow()
    with work.unit():
        claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                                     .values(state="running", started_at=now, updated_at=now, done=0,
                                             attempts=Job.attempts + 1)).rowcount
    return db.session.get(Job, job_id) if claimed == 1 else None


def _perform(job_id: int) -> None:
    job = _claim(job_id)
    if job is None:
        log.info("job %s is not waiting to run; skipped", job_id)
        return
    kind = KINDS[job.kind]
    name = f"job-{job.id}-{storage.new_name(kind.suffix)}"
    progress = Progress(job)  # its steps commit the count: the work's own rows come after the last one
    try:
        with work.unit():  # "done" commits with whatever the kind logged (prints, exports), or nothing does
            with storage.open_for_writing(STORAGE_AREA, name) as out:
                work.remove_unless_committed(storage.path_of(STORAGE_AREA, name))
                result = kind.function()(job, out, progress)
            path = storage.path_of(STORAGE_AREA, name)
            now = utcnow()
            job.state, job.done, job.total, job.finished_at, job.updated_at = "done", progress.total, \
                progress.total, now, now
            job.result_name, job.result_filename, job.result_type = name, result.filename[:200], result.mimetype
            job.result_bytes = path.stat().st_size
            job.expires_at = now + timedelta(hours=current_app.config["JOBS_RESULT_HOURS"])
    except JobFailed as failure:
        message = failure.message
        with work.unit():
            _fail(job_id, lambda: str(message))
    except Exception as error:  # a bug or a lost database: the traceback for the log, words for the user
        log.exception("job %s (%s) failed", job_id, job.kind)
        with work.unit():
            _fail(job_id, _unexpected(error))


def _unexpected(error: Exception):
    if isinstance(error, JobTimeoutException):
        limit = current_app.config["JOBS_TIMEOUT_SECONDS"] // 60
        return lambda: _("The job took longer than the limit of %(minutes)d minutes and was stopped.", minutes=limit)
    name = error.__class__.__name__
    return lambda: _("The job failed unexpectedly (%(error)s). Try again; if it fails again, tell the administrator.",
                     error=name)


def _fail(job_id: int, message) -> None:
    """Record why, worded in the starter's language (the worker has no request to take it from)."""
    job = db.session.get(Job, job_id)
    with force_locale(job.created_by.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = message()
    now = utcnow()
    job.state, job.error, job.finished_at, job.updated_at = "failed", text, now, now
    db.session.flush()


def retry(job: Job) -> None:
    """A failed job again, from the start, once the unit of work has committed."""
    if job.state != "failed":
        raise JobFailed(_("Only a failed job can be retried."))
    job.state, job.done, job.error, job.finished_at = "queued", 0, None, None
    job.updated_at = utcnow()
    db.session.flush()
    work.after_commit(dispatch, job.id)


def mark_lost(job_id: int, reason: str) -> None:
    """The worker running the job died (killed, out of memory) or went silent: say so instead of
    "running" forever. ``reason`` goes to the log."""
    job = db.session.get(Job, job_id)
    if job is not None and job.state == "running":
        log.error("job %s lost: %s", job_id, reason)
        _fail(job_id, lambda: _("The worker stopped before the job finished. Try again."))


def cleanup(now: datetime | None = None) -> dict[str, int]:
    """Remove expired result files, fail jobs whose worker went silent, drop stray files.
    For the scheduler or cron (``flask --app wsgi jobs cleanup``); each part is a unit of its own."""
    now = now or utcnow()
    with work.unit():
        expired = db.session.scalars(select(Job).where(Job.result_name.is_not(None), Job.expires_at <= now)).all()
        for job in expired:
            work.after_commit(storage.remove, STORAGE_AREA, job.result_name)  # the file goes once no row names it
            job.result_name = None
    stale_before = now - timedelta(minutes=current_app.config["JOBS_STALE_MINUTES"])
    stale = db.session.scalars(select(Job.id).where(Job.state == "running", Job.updated_at < stale_before)).all()
    for job_id in stale:
        with work.unit():
            mark_lost(job_id, f"no progress for {current_app.config['JOBS_STALE_MINUTES']} minutes")
    lost = _lost_from_queue(stale_before)
    kept = set(db.session.scalars(select(Job.result_name).where(Job.result_name.is_not(None))))
    strays = 0
    cutoff = (now - timedelta(hours=1)).timestamp()
    for path in storage.folder(STORAGE_AREA).iterdir():
        # A file no row names: a result whose commit failed, or a .part left by a killed worker.
        if path.name not in kept and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            strays += 1
    return {"expired": len(expired), "stale": len(stale) + lost, "strays": strays}


def _lost_from_queue(before: datetime) -> int:
    """Jobs still "queued" long after they were sent, whose RQ job Redis no longer has (Redis was
    restarted without persistence, or flushed): failed, so that they can be retried."""
    if not uses_queue():
        return 0
    connection = redis_connection()
    count = 0
    waiting = db.session.scalars(select(Job).where(Job.state == "queued", Job.updated_at < before,
                                                   Job.queue_job_id.is_not(None))).all()
    for job in waiting:
        try:
            QueuedJob.fetch(job.queue_job_id, connection=connection)
        except NoSuchJobError:
            log.error("job %s lost from the queue (%s)", job.id, job.queue_job_id)
            with work.unit():
                _fail(job.id, lambda: _("The job was lost from the queue before it ran. Try again."))
            count += 1
    return count
