"""The notification outbox under real failures: a process killed right after a transition committed loses
no notification and, once the scheduled delivery runs, sends its e-mail exactly once — to a real SMTP server
on loopback. The rows are written in the transition's own transaction, so a rolled-back transition leaves
no news to send."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests import factories
from tests.factories import bring_to
from tests.test_jobs_redis import redis_queue, run_worker_here  # noqa: F401 (a fixture: a queue on real Redis)
from tests.test_notifications import smtp_server  # noqa: F401 (a fixture: a real SMTP server on loopback)
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import CLAIM_LEASE, deliver_unsent

ROOT = Path(__file__).resolve().parents[1]


def _overrides(app) -> dict:
    keep = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "STORAGE_ROOT", "UPLOAD_FOLDER", "INSTANCE_PATH",
            "MAIL_SERVER", "MAIL_PORT", "MAIL_FROM")
    return {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "REDIS_URL": "",
            **{name: app.config[name] for name in keep}}


def test_a_process_killed_right_after_the_commit_loses_no_mail_and_the_sweep_sends_it_once(app, world,
                                                                                         smtp_server):  # noqa: F811
    world.town_reviewer1.email = "mazhiyuan@example.org"
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "branch_review")
    db.session.commit()
    nomination_id, reviewer_id = nomination.id, world.town_reviewer1.id
    db.session.remove()  # the killed process must not wait for our connection (SQLite locks)
    killed = subprocess.run([sys.executable, "-m", "tests.killed_after_commit", "branch1", factories.PASSWORD,
                             str(nomination_id), "approve"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TEST_APP_OVERRIDES": json.dumps(_overrides(app))})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    # What committed before the kill is all there: the approval, its audit row, its notification.
    nomination = db.session.get(Nomination, nomination_id)
    assert nomination.state == "township_review"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id,
                                                        AuditEntry.event == "approve")).one()
    row = db.session.scalars(select(Notification).where(Notification.user_id == reviewer_id)).one()
    assert (row.kind, row.params["audit_entry_id"], row.emailed_at) == ("todo", entry.id, None)
    assert smtp_server.messages == []  # the process died before its e-mail left

    assert deliver_unsent() == 1  # the scheduler's sweep (or cron's `reminders resend-email`)
    assert smtp_server.arrived.wait(5)
    assert [recipients for recipients, _message in smtp_server.messages] == [["mazhiyuan@example.org"]]
    _recipients, message = smtp_server.messages[0]
    assert message["Message-ID"].startswith(f"<notification-{row.id}@")  # the same id, should it ever go again
    assert deliver_unsent() == 0 and deliver_unsent(now=utcnow() + CLAIM_LEASE + timedelta(minutes=1)) == 0
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert db.session.get(Notification, row.id).emailed_at is not None


def test_a_delivery_that_died_after_claiming_is_taken_again_once_its_claim_has_lapsed(app, world,
                                                                                   smtp_server):  # noqa: F811
    """A second delivery does not send what another is sending; a claim left by a dead one lapses."""
    world.town_reviewer1.email = "mazhiyuan@example.org"
    row = Notification(user_id=world.town_reviewer1.id, kind="reminder", params={"count": 2}, created_at=utcnow(),
                       email_claim="x" * 32, email_claimed_at=utcnow())  # claimed by a delivery that died
    db.session.add(row)
    db.session.commit()
    assert deliver_unsent() == 0 and smtp_server.messages == []  # still claimed: another may be sending it
    assert deliver_unsent(now=utcnow() + CLAIM_LEASE + timedelta(seconds=1)) == 1
    assert smtp_server.arrived.wait(5) and len(smtp_server.messages) == 1


def test_with_redis_the_mail_goes_through_the_queue_after_the_commit(app, client, world, login_as, smtp_server,  # noqa: F811
                                                                     redis_queue):  # noqa: F811
    world.branch_reviewer1.email = "shahaijun@example.org"
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    login_as("chair1")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "action-form" in page
    db.session.refresh(nomination)
    assert client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": "submit", "version": nomination.version}).status_code == 302
    assert smtp_server.messages == []  # the request only put the delivery on the queue
    assert redis_queue.connection.llen(f"rq:queue:{redis_queue.name}") == 1
    run_worker_here(redis_queue)
    assert smtp_server.arrived.wait(5)
    assert [recipients for recipients, _message in smtp_server.messages] == [["shahaijun@example.org"]]
    db.session.expire_all()
    assert db.session.scalars(select(Notification.emailed_at)).one() is not None
