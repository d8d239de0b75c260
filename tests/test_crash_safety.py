"""Crash injection: a failure at each step of a transition and of certificate issuance
(workflow_app/core/faults.py names the steps). Afterwards the nomination, its audit rows, the
certificate numbers, the stored PDFs and the notifications agree; the user saw a clear page, never a
traceback; nothing was announced for what did not happen; and trying again works, without a second
transition or a gap in the numbers. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests import factories
from tests.factories import bring_to
from tests.racing import flashes
from tests.test_notifications import smtp_server  # noqa: F401 (a fixture: a real SMTP server on loopback)
from workflow_app.certificates import storage
from workflow_app.certificates.models import Certificate, CertificateSequence
from workflow_app.core import faults
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications.models import Notification

BEFORE_COMMIT = ["transition.guards_passed", "transition.state_changed", "transition.before_audit",
                 "transition.audit_written", "transition.before_commit"]
AFTER_COMMIT = ["transition.committed", "notification.email"]
ISSUING = ["certificate.number_allocated", "certificate.pdf_writing", "certificate.pdf_written"]
SERVER_FAILED = "服务器出现故障，未作任何更改。请重试。"


@pytest.fixture
def crashing(app, world, client, login_as, smtp_server):  # noqa: F811 (the imported fixture)
    """Unhandled errors reach the app's own 500 page, as in production; everyone has an e-mail address."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    for person in (world.chair1, world.town_reviewer1):
        person.email = f"{person.username}@example.org"
    db.session.commit()
    return smtp_server


def test_every_failure_point_is_exercised_here():
    assert set(BEFORE_COMMIT + AFTER_COMMIT + ISSUING) == set(faults.POINTS)


def snapshot(nomination_id: int, mails) -> dict:
    """Everything a half-done action could leave behind, read afresh."""
    db.session.rollback()
    nomination = db.session.get(Nomination, nomination_id)
    return {
        "state": (nomination.state, nomination.version),
        "audit": db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == nomination_id)),
        "numbers": sorted(db.session.scalars(select(Certificate.number))),
        "counters": sorted(db.session.scalars(select(CertificateSequence.last_value))),
        "files": sorted(path.name for path in storage.folder().iterdir()),
        "notifications": db.session.scalar(select(func.count(Notification.id))),
        "mails": len(mails.messages),
    }


def crash_at(point: str, action):
    """Run ``action`` with ``point`` armed; it must really have been passed."""
    with faults.armed(point):
        response = action()
        assert faults.fired(point)
    return response


def said(client) -> list[str]:
    return [category for category, _ in flashes(client)]


def approve(client, nomination_id: int, version: int):
    return client.post(f"/nominations/{nomination_id}/transition",
                       data={"event": "approve", "version": version, "comment": "同意"})


def issue(client, nomination_id: int):
    return issue_all(client, [nomination_id])


def issue_all(client, nomination_ids: list[int]):
    return client.post("/certificates/issue", data={"nomination": nomination_ids})


def approved(world, name: str) -> Nomination:
    return bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                         nominee_name=name, id_number=factories.id_number()), "approved")


# ---------------------------------------------------------------- a review step
@pytest.fixture
def waiting(world, login_as) -> tuple[int, int]:
    """A nomination waiting for the branch reviewer, who is logged in: its id and version."""
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "branch_review")
    login_as("branch1")
    return nomination.id, nomination.version


@pytest.mark.parametrize("point", BEFORE_COMMIT)
def test_a_failure_before_the_commit_leaves_no_trace_and_the_retry_approves_once(crashing, client, waiting, point):
    nomination_id, version = waiting
    before = snapshot(nomination_id, crashing)
    response = crash_at(point, lambda: approve(client, nomination_id, version))
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and SERVER_FAILED in body and "InjectedFault" not in body
    assert snapshot(nomination_id, crashing) == before  # no state, version, audit row, notification or mail

    retry = approve(client, nomination_id, version)  # the page the reviewer still has open
    assert retry.status_code == 302 and said(client) == ["success"]
    after = snapshot(nomination_id, crashing)
    assert after["state"] == ("township_review", version + 1)
    assert after["audit"] == before["audit"] + 1
    assert (after["notifications"], after["mails"]) == (before["notifications"] + 1, before["mails"] + 1)


@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_a_failure_after_the_commit_keeps_the_approval_and_the_retry_is_told_it_is_done(crashing, client, waiting,
                                                                                        point):
    nomination_id, version = waiting
    before = snapshot(nomination_id, crashing)
    response = crash_at(point, lambda: approve(client, nomination_id, version))
    assert response.status_code == 302 and said(client) == ["success"]  # it did happen
    after = snapshot(nomination_id, crashing)
    assert after["state"] == ("township_review", version + 1) and after["audit"] == before["audit"] + 1
    assert after["mails"] == before["mails"]  # the e-mail is what failed (or never started)
    # The outbox: the notification committed with the transition, whatever happened to its e-mail after.
    assert after["notifications"] == before["notifications"] + 1
    assert db.session.scalar(select(Notification.emailed_at).order_by(Notification.id.desc())) is None

    retry = approve(client, nomination_id, version)
    assert retry.status_code == 302 and said(client) == ["warning"]  # already handled by…
    assert snapshot(nomination_id, crashing) == after


# ---------------------------------------------------------------- issuing a certificate
@pytest.mark.parametrize("point", [*ISSUING, "transition.before_audit", "transition.before_commit"])
def test_a_failure_while_issuing_gives_the_number_back_leaves_no_file_and_the_retry_takes_it(
        crashing, client, login_as, world, point):
    login_as("admin")
    assert issue(client, approved(world, "马金凤").id).status_code == 302  # 0001, issued before the failure
    assert said(client) == ["success"]
    nomination_id = approved(world, "沙建国").id
    before = snapshot(nomination_id, crashing)
    seen: list[list[str]] = []
    with faults.armed(point, before=lambda: seen.append(sorted(p.name for p in storage.folder().iterdir()))):
        response = issue(client, nomination_id)
        assert faults.fired(point)
    if point == "certificate.pdf_writing":  # the failure really came with half a file on disk
        assert any(name.endswith(".part") for name in seen[0])
    assert response.status_code == 302
    messages = flashes(client)
    assert [c for c, _ in messages] == ["danger"] and "沙建国" in messages[0][1]
    assert snapshot(nomination_id, crashing) == before  # state, audit, number, counter, files, mails
    assert storage.unreferenced_files() == []

    assert issue(client, nomination_id).status_code == 302
    assert said(client) == ["success"]
    after = snapshot(nomination_id, crashing)
    certificate = db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination_id))
    assert after["state"][0] == "certified" and after["audit"] == before["audit"] + 1
    assert certificate.sequence == 2 and after["counters"] == [2]  # the next number, no gap
    assert len(PdfReader(storage.stored_pdf(certificate)).pages) == 1 and storage.unreferenced_files() == []
    assert (after["notifications"], after["mails"]) == (before["notifications"] + 1, before["mails"] + 1)


@pytest.mark.parametrize("point", AFTER_COMMIT)
def test_a_failure_after_issuing_keeps_the_certificate_and_its_file_and_the_next_number_follows(
        crashing, client, login_as, world, point):
    login_as("admin")
    nomination_id = approved(world, "马金凤").id
    response = crash_at(point, lambda: issue(client, nomination_id))
    assert response.status_code == 302 and said(client) == ["success"]
    after = snapshot(nomination_id, crashing)
    certificate = db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination_id))
    assert after["state"][0] == "certified" and certificate.sequence == 1
    assert storage.stored_pdf(certificate) is not None and storage.unreferenced_files() == []
    assert after["mails"] == 0

    assert issue(client, nomination_id).status_code == 302  # sent again: refused, nothing doubled
    assert said(client) == ["danger"]
    assert snapshot(nomination_id, crashing) == after
    other = approved(world, "沙建国")
    assert issue(client, other.id).status_code == 302
    assert db.session.scalar(select(Certificate.sequence).where(Certificate.nomination_id == other.id)) == 2


def test_a_failure_inside_a_batch_rolls_back_that_certificate_only(crashing, client, login_as, world):
    """The batch goes on after a failure: what failed must be undone whole first, or the next
    certificate's commit would carry half of it (its number, its audit row) along."""
    login_as("admin")
    first, second = approved(world, "马金凤"), approved(world, "沙建国")
    assert crash_at("transition.before_commit", lambda: issue_all(client, [first.id, second.id])).status_code == 302
    assert said(client) == ["success", "danger"]
    db.session.rollback()
    issued = db.session.scalars(select(Certificate)).all()
    assert [(c.nomination_id, c.sequence) for c in issued] == [(second.id, 1)]
    assert db.session.get(Nomination, first.id).state == "approved"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.nomination_id == first.id,
                                                                     AuditEntry.event == "certify")) == 0
    assert storage.unreferenced_files() == [] and len(list(storage.folder().iterdir())) == 1
