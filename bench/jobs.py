"""Background jobs through a real RQ worker: a 1,000 and a 10,000-certificate batch, and a large export.

    python bench/jobs.py [--nominations 55000] [--certificates 10000] [--database-url URL] [--keep DIR]

Builds a one-county data set with ``seed-scale`` (SQLite in a temporary folder unless --database-url), then
for each job: enqueues it on Redis (WORKFLOW_REDIS_URL, default redis://127.0.0.1:6379/14, a queue of its
own, removed afterwards), runs ``flask --app wsgi jobs worker --burst`` (each job in a forked work horse, as
in production) and reads the job's own start and finish times from its row. Prints items per second, the
peak resident memory of the worker and its work horse (the largest of the process tree, from
``getrusage(RUSAGE_CHILDREN)`` in a wrapper process), and the result's size. Memory that stays flat from
1,000 to 10,000 certificates is the point: the batch is rendered and written one 500-page chunk at a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from workflow_app.app import create_app  # noqa: E402
from workflow_app.core import storage  # noqa: E402
from workflow_app.extensions import db  # noqa: E402

REDIS_URL = os.environ.get("WORKFLOW_REDIS_URL") or "redis://127.0.0.1:6379/14"
# Runs the worker and reports the largest resident set of it and its forked children (Linux: KiB).
WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)")


def flask(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=env, check=True, text=True,
                          capture_output=capture)


def run_worker(env: dict) -> int:
    """One burst of the real worker; returns the peak RSS in MB of the worker's process tree."""
    command = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker",
               "--burst"]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, text=True, capture_output=True)
    return int(done.stdout.strip().splitlines()[-1]) // 1024


def measure(app, env: dict, start) -> dict:
    """Start a job with ``start()`` (enqueued on Redis), run the worker, read the row."""
    from workflow_app.jobs import services
    from workflow_app.jobs.models import Job

    with app.app_context():
        job = start()
        db.session.commit()
        services.dispatch(job)
        job_id = job.id
    rss = run_worker(env)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state == "done", f"job {job.id} ended {job.state}: {job.error}"
        seconds = (job.finished_at - job.started_at).total_seconds()
        size = storage.path_of(services.STORAGE_AREA, job.result_name).stat().st_size
        return {"kind": job.kind, "items": job.total, "seconds": seconds, "per_second": job.total / seconds,
                "rss": rss, "mb": size / 1e6, "file": job.result_filename}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nominations", type=int, default=55_000)
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder instead of a temporary one")
    args = parser.parse_args()

    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    redis.ping()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    folder.mkdir(parents=True, exist_ok=True)
    queue = f"bench-jobs-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SECRET_KEY": secrets.token_hex(32), "WORKFLOW_DEMO": "0",
           "WORKFLOW_INSTANCE": str(folder), "WORKFLOW_REDIS_URL": REDIS_URL, "WORKFLOW_JOBS_QUEUE": queue,
           "WORKFLOW_PUBLIC_URL": "https://ry.example.cn",
           "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.db'}"}
    os.environ.update(env)
    flask(env, "db", "upgrade", capture=True)
    app = create_app()
    from workflow_app.auth.models import RoleAssignment, User
    from workflow_app.campaigns.models import HonorType
    from workflow_app.certificates.batch import start_batch
    from workflow_app.certificates.models import Certificate
    from workflow_app.exports.nominations import start_export
    from workflow_app.nominations.queries import ListFilters

    with app.app_context():
        seeded = db.session.scalar(select(Certificate.id).limit(1)) is not None
    if not seeded:
        print(f"seed-scale --nominations {args.nominations} --counties 1 …", flush=True)
        flask(env, "seed-scale", "--nominations", str(args.nominations), "--counties", "1", "--users", "200",
              capture=True)

    def admin_and_ids(count: int):
        admin = db.session.scalar(select(User).join(RoleAssignment).where(RoleAssignment.role == "admin")
                                  .order_by(User.id))
        ids = list(db.session.scalars(select(Certificate.id).join(HonorType)  # 推优入党 forms are not batched
                                      .where(Certificate.revoked_at.is_(None), HonorType.conferral != "recommendation")
                                      .order_by(Certificate.id).limit(count)))
        certificate = db.session.get(Certificate, ids[0])
        return admin, ids, certificate.nomination.campaign

    results = []
    try:
        for count in (1_000, args.certificates):
            def batch(count=count):
                admin, ids, campaign = admin_and_ids(count)
                assert len(ids) == count, f"only {len(ids)} certificates: seed more nominations"
                return start_batch(admin, campaign, certificate_ids=ids)
            results.append(measure(app, env, batch))

        def export():
            admin, _ids, campaign = admin_and_ids(1)
            return start_export(admin, ListFilters(), full=False, unit=campaign.county, client_ip=None)
        results.append(measure(app, env, export))
    finally:
        for key in redis.scan_iter(match=f"*{queue}*"):
            redis.delete(key)
        redis.srem("rq:queues", f"rq:queue:{queue}")

    print(f"\nMachine: {os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.1f}; database {env['DATABASE_URL'].split(':')[0]}; folder {folder}")
    print(f"{'job':<20} {'items':>8} {'seconds':>8} {'items/s':>8} {'peak RSS MB':>12} {'file MB':>8}  file")
    for row in results:
        print(f"{row['kind']:<20} {row['items']:>8,} {row['seconds']:>8.1f} {row['per_second']:>8.0f} "
              f"{row['rss']:>12} {row['mb']:>8.1f}  {row['file']}")


if __name__ == "__main__":
    main()
