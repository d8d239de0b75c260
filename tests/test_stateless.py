"""Two app servers (two processes, as behind a load balancer) on one database and one storage
folder: a session begun on one is valid on the other, a form's CSRF token from one is accepted by the
other, a file uploaded through one is served by the other, a job's result made by one is downloaded
from the other, and — with Redis — login rate limits are counted across both."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.test_certificates import certified
from tests.test_jobs_redis import REDIS_URL, redis_or_skip
from workflow_app.extensions import db
from workflow_app.nominations.models import Attachment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n% uploaded through one server, served by the other\n"


@contextmanager
def servers(overrides: dict, count: int = 2):
    """App server processes started together (they import in parallel); yields their base URLs."""
    env = {**os.environ, "TEST_APP_OVERRIDES": json.dumps(overrides), "WORKFLOW_DEMO": "0"}
    processes = [subprocess.Popen([sys.executable, "-m", "tests.instance_server"], cwd=PROJECT_ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for _ in range(count)]
    try:
        ports = [process.stdout.readline().strip() for process in processes]
        assert all(port.isdigit() for port in ports), "an app server did not start"
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()


@contextmanager
def two_servers(app, **extra):
    """Servers A and B, configured alike: the same secret, database and storage root (not the test's)."""
    storage_root = Path(app.config["INSTANCE_PATH"]) / "shared-storage"
    overrides = {"TESTING": True, "SECRET_KEY": secrets.token_hex(32),
                 "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                 "INSTANCE_PATH": str(Path(app.config["INSTANCE_PATH"]) / "servers"),
                 "STORAGE_ROOT": str(storage_root), "UPLOAD_FOLDER": str(storage_root / "uploads"),
                 "REDIS_URL": "", "PRINT_JOB_THRESHOLD": 0, **extra}
    db.session.commit()  # the servers read what the test built
    with servers(overrides) as (a, b):
        yield a, b


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, url
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def log_in(session: requests.Session, base: str, username: str, password: str = factories.PASSWORD):
    token = csrf_token(session, f"{base}/login")
    return session.post(f"{base}/login", data={"csrf_token": token, "username": username, "password": password},
                        allow_redirects=False, timeout=30)


def test_sessions_forms_uploads_and_job_results_cross_between_two_app_servers(app, world):
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                 nominee_name="马金凤")
    certificate = certified(world, name="沙建国")
    with two_servers(app) as (a, b):
        chair = requests.Session()
        assert log_in(chair, a, "chair1").status_code == 302
        todo = chair.get(f"{b}/todo/", allow_redirects=False, timeout=30)
        assert todo.status_code == 200 and "白玉华" in todo.text, "the session from A is valid on B"

        token = csrf_token(chair, f"{a}/nominations/{draft.id}")
        uploaded = chair.post(f"{b}/nominations/{draft.id}/attachments", data={"csrf_token": token},
                              files={"file": ("证明.pdf", PDF, "application/pdf")}, allow_redirects=False, timeout=30)
        assert uploaded.status_code == 302, "A's form token is accepted by B"
        db.session.expire_all()
        attachment = db.session.scalar(select(Attachment).where(Attachment.nomination_id == draft.id))
        served = chair.get(f"{a}/nominations/{draft.id}/attachments/{attachment.id}", timeout=30)
        assert served.status_code == 200 and served.content == PDF, "B stored it, A serves it"

        admin = requests.Session()
        assert log_in(admin, b, "admin").status_code == 302
        token = csrf_token(admin, f"{b}/certificates/")
        started = admin.post(f"{a}/certificates/print", data={"csrf_token": token, "campaign": world.campaign.id},
                             allow_redirects=False, timeout=120)
        job_path = re.search(r"/jobs/\d+$", started.headers.get("Location", ""))
        assert job_path, f"a job was started on A ({started.status_code})"
        result = admin.get(f"{b}{job_path.group(0)}/download", timeout=30)
        assert result.status_code == 200, "A made the file, B serves it"
        assert certificate.number in PdfReader(io.BytesIO(result.content)).pages[0].extract_text()


def test_login_rate_limits_are_counted_across_app_servers_through_redis(app, world, migrated_database):
    if migrated_database.kind != "sqlite":
        pytest.skip("the limiter keeps nothing in the database: the SQLite pass covers it")
    redis = redis_or_skip()
    prefix = f"test-limits-{uuid.uuid4().hex[:12]}"
    try:
        with two_servers(app, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                         LOGIN_RATE_LIMIT="3 per minute") as (a, b):
            client = requests.Session()
            statuses = [log_in(client, server_url, "chair1", "wrong-password").status_code
                        for server_url in (a, a, b, b, a)]
            assert statuses == [200, 200, 200, 429, 429], "the fourth attempt is refused, whichever server gets it"
    finally:
        for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
            redis.delete(key)
        redis.close()
