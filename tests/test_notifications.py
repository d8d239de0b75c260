"""Notifications written with their transition, e-mail (after the commit) through a real SMTP server, daily
reminders, late units, delegation (on behalf of, date range, unit, revocation) and reassignment of a leaver's
reviews."""

from __future__ import annotations

import re
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from tests import factories
from tests.factories import bring_to, user_named
from tests.test_pages import count_queries
from workflow_app.auth.models import RoleAssignment
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.delegations import services as delegations
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications import services
from workflow_app.notifications.models import Notification
from workflow_app.review import services as review
from workflow_app.review.models import ReminderSent


def post_event(client, nomination: Nomination, event: str, comment: str = "意见", **extra):
    db.session.refresh(nomination)
    return client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": event, "version": nomination.version, "comment": comment, **extra})


def notifications(after: int = 0, **where) -> list[Notification]:
    """Notifications in order; ``after`` (from ``last_id()``) leaves out what the set-up's walk produced."""
    query = select(Notification).where(Notification.id > after).order_by(Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def last_id() -> int:
    """The newest notification so far: the walk to a state (``bring_to``) notifies as the real steps do."""
    return db.session.scalar(select(func.max(Notification.id))) or 0


def who(rows) -> set[tuple[str, str]]:
    return {(row.kind, db.session.get(factories.User, row.user_id).username) for row in rows}


def new_nomination(world, unit=None, chair=None, **fields) -> Nomination:
    return factories.nomination(world.campaign, "outstanding_union_worker", unit or world.branch1,
                                chair or world.chair1, id_number=factories.id_number(), **fields)


# ---------------------------------------------------------------- notifications
def test_each_event_notifies_the_people_concerned(client, world, login_as):
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    post_event(client, nomination, "submit")
    assert who(notifications()) == {("todo", "branch1")}

    login_as("branch1")
    post_event(client, nomination, "approve")
    assert who(notifications()[1:]) == {("todo", "town1")}

    login_as("town1")
    post_event(client, nomination, "return_for_revision", "请补充事迹")
    rows = notifications()[2:]
    assert who(rows) == {("returned", "chair1")}
    assert rows[0].params["comment"] == "请补充事迹" and rows[0].params["actor"] == "马志远"

    login_as("chair1")  # back to the first level after revision
    post_event(client, nomination, "submit")
    login_as("branch1")
    post_event(client, nomination, "reject", "不符合条件")
    assert who(notifications()[-1:]) == {("rejected", "chair1")}


def test_approval_and_objection_notify_the_chair_and_the_county(client, world, login_as):
    nomination = bring_to(new_nomination(world), "county_review")
    before = last_id()
    login_as("county")
    post_event(client, nomination, "approve")
    assert who(notifications(before)) == {("approved", "chair1")}
    assert notifications(before)[0].params["state"] == "public_notice"
    before = last_id()

    # An objection (recorded by the notice area's code) reaches the county reviewers: the machine's
    # transition writes their notification in its own transaction.
    from states.nomination import fire
    from workflow_app.notice.models import Objection

    db.session.add(Objection(nomination_id=nomination.id, objector_name="张三", objector_contact="13800000000",
                             text="事迹不实", channel="phone", created_at=utcnow(), status="open"))
    fire(nomination, "raise_objection", None)
    db.session.commit()
    assert who(notifications(before)) == {("objection", "county")}


def test_the_chair_hears_when_the_certificate_is_issued(client, world, login_as):
    nomination = bring_to(new_nomination(world), "approved")
    before = last_id()
    login_as("admin")
    client.post("/certificates/issue", data={"nomination": nomination.id})
    rows = notifications(before)
    assert who(rows) == {("certified", "chair1")}
    login_as("chair1")
    assert "马金凤（清真食品公司工会）的荣誉证书已颁发。" in client.get("/notifications").get_data(as_text=True)


def test_notifications_are_written_in_the_transitions_own_transaction(world):
    """The outbox: the news of a transition commits with it, or is gone with it."""
    from states.nomination import fire

    nomination = new_nomination(world)
    db.session.commit()
    fire(nomination, "submit", world.chair1)
    assert who(notifications()) == {("todo", "branch1")}  # in the same transaction, before any commit
    db.session.rollback()
    assert notifications() == []
    fire(db.session.get(Nomination, nomination.id), "submit", world.chair1)
    db.session.commit()
    assert who(notifications()) == {("todo", "branch1")}


def test_a_refused_or_lost_transition_notifies_nobody(client, world, login_as):
    nomination = bring_to(new_nomination(world), "branch_review")
    before = last_id()
    login_as("branch1")
    post_event(client, nomination, "reject", "")  # refused: a rejection needs a reason
    db.session.refresh(nomination)
    response = client.post(f"/nominations/{nomination.id}/transition",  # lost race: stale version
                           data={"event": "approve", "version": nomination.version - 1, "comment": "同意"})
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    assert notifications(before) == []


def test_email_leaves_only_once_the_transition_is_committed(client, world, login_as, monkeypatch, smtp_server):
    world.town_reviewer1.email = "mazhiyuan@example.org"
    nomination = bring_to(new_nomination(world), "branch_review")
    seen = []
    original = services.deliver_email

    def spy(ids, base=""):
        # A second connection sees only committed rows: the transition and its notification are there.
        with db.engine.connect() as other:
            seen.append((other.execute(text("SELECT state FROM nomination WHERE id = :id"),
                                       {"id": nomination.id}).scalar(),
                         other.execute(select(func.count()).select_from(Notification)
                                       .where(Notification.id.in_(ids))).scalar()))
        return original(ids, base)

    monkeypatch.setattr(services, "deliver_email", spy)
    before = last_id()
    login_as("branch1")
    post_event(client, nomination, "approve")
    assert seen == [("township_review", 1)]
    assert who(notifications(before)) == {("todo", "town1")}
    assert smtp_server.arrived.wait(5) and smtp_server.messages[0][0] == ["mazhiyuan@example.org"]


def test_bell_count_page_and_mark_as_read(client, world, login_as):
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    post_event(client, nomination, "submit")
    login_as("branch1")
    body = client.get("/todo/").get_data(as_text=True)
    assert re.search(r'id="notification-count">1<', body)
    page = client.get("/notifications").get_data(as_text=True)
    assert "马金凤" in page and "清真食品公司工会" in page
    row = notifications()[0]
    assert client.get(f"/notifications/{row.id}/read").status_code == 405  # POST only
    assert client.post(f"/notifications/{row.id}/read").status_code == 302
    assert notifications()[0].read_at is not None
    assert re.search(r'id="notification-count">0<', client.get("/todo/").get_data(as_text=True))
    login_as("town1")  # someone else's notification: not found
    assert client.post(f"/notifications/{row.id}/read").status_code == 404


def test_mark_as_read_needs_the_csrf_token(app, client, world, login_as):
    nomination = bring_to(new_nomination(world), "branch_review")
    db.session.add(Notification(user_id=world.branch_reviewer1.id, nomination_id=nomination.id, kind="todo",
                                params={"nominee": "马金凤"}))
    db.session.commit()
    login_as("branch1")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/notifications/read-all").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert notifications()[0].read_at is None


def test_the_bell_costs_one_count_query(client, world, login_as):
    login_as("branch1")
    client.get("/todo/")
    # Each measure is the first request after a change: the full path (a kept page runs no such query).
    db.session.add(Notification(user_id=world.chair1.id, kind="reminder", params={"count": 1}))
    db.session.commit()
    with count_queries() as before:
        client.get("/todo/")
    for _ in range(5):
        db.session.add(Notification(user_id=world.branch_reviewer1.id, kind="reminder", params={"count": 1}))
    db.session.commit()
    with count_queries() as after:
        body = client.get("/todo/").get_data(as_text=True)
    assert re.search(r'id="notification-count">5<', body)
    assert len(before) == len(after)
    assert sum("FROM notification" in s for s in after) == 1


# ---------------------------------------------------------------- e-mail
@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []
            self.arrived = threading.Event()

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content,
                                                                              policy=default_policy)))
            self.arrived.set()
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="honors@example.org")
    try:
        yield inbox
    finally:
        controller.stop()


def test_email_reaches_the_smtp_server_with_a_chinese_subject(client, world, login_as, smtp_server):
    world.branch_reviewer1.email = "shahaijun@example.org"
    db.session.commit()
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    post_event(client, nomination, "submit")
    assert smtp_server.arrived.wait(5)
    recipients, message = smtp_server.messages[0]
    assert recipients == ["shahaijun@example.org"]
    assert message["To"] == "shahaijun@example.org"
    assert "马金凤" in message["Subject"]  # decoded from RFC 2047
    assert f"/nominations/{nomination.id}" in message.get_content()
    assert notifications()[0].emailed_at is not None


@pytest.mark.parametrize(("actor_locale", "reader_locale", "subject", "body"), [
    ("zh_Hans_CN", "en", "New to-do: 马金凤", "waits for your review"),
    ("en", "zh_Hans_CN", "新待办：马金凤", "等待您审核"),
])
def test_email_is_in_the_recipients_language_not_the_senders(client, world, login_as, smtp_server, actor_locale,
                                                             reader_locale, subject, body):
    world.branch_reviewer1.email = "shahaijun@example.org"
    world.branch_reviewer1.locale = reader_locale
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    client.post("/language", data={"locale": actor_locale, "next": "/todo/"})
    post_event(client, nomination, "submit")
    assert smtp_server.arrived.wait(5)
    _recipients, message = smtp_server.messages[0]
    assert message["Subject"] == subject
    assert body in message.get_content()


def test_a_failing_smtp_server_does_not_undo_the_transition(client, world, login_as, app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    world.branch_reviewer1.email = "shahaijun@example.org"
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    assert post_event(client, nomination, "submit").status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    rows = notifications()
    assert len(rows) == 1 and rows[0].emailed_at is None


def test_email_that_failed_is_sent_once_when_the_server_is_back(client, world, login_as, app, smtp_server):
    """The SMTP server was down at the transition; the resend command (cron) delivers it later, once."""
    working_port = app.config["MAIL_PORT"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        app.config.update(MAIL_PORT=probe.getsockname()[1], MAIL_TIMEOUT=2)  # nothing listens there
    world.branch_reviewer1.email = "shahaijun@example.org"
    nomination = new_nomination(world)
    db.session.commit()
    login_as("chair1")
    assert post_event(client, nomination, "submit").status_code == 302
    assert notifications()[0].emailed_at is None and not smtp_server.messages

    app.config["MAIL_PORT"] = working_port
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "resend-email"])
    assert result.exit_code == 0 and "1 e-mail(s) sent" in result.output
    assert smtp_server.arrived.wait(5)
    assert [recipients for recipients, _message in smtp_server.messages] == [["shahaijun@example.org"]]
    db.session.expire_all()
    assert notifications()[0].emailed_at is not None
    assert "0 e-mail(s) sent" in runner.invoke(args=["reminders", "resend-email"]).output
    assert len(smtp_server.messages) == 1


def test_old_or_addressless_notifications_are_not_e_mailed_again(app, world, smtp_server):
    from workflow_app.notifications.services import RESEND_WITHIN, deliver_unsent

    world.branch_reviewer1.email = "shahaijun@example.org"
    long_ago = utcnow() - RESEND_WITHIN - timedelta(hours=1)
    db.session.add_all([
        Notification(user_id=world.branch_reviewer1.id, kind="reminder", params={"count": 1}, created_at=long_ago),
        Notification(user_id=world.chair1.id, kind="reminder", params={"count": 1}, created_at=utcnow()),  # no address
    ])
    db.session.commit()
    assert deliver_unsent() == 0 and not smtp_server.messages


def test_email_form_saves_the_address(client, world, login_as):
    login_as("branch1")
    client.post("/notifications/email", data={"email": "not an address"})
    db.session.refresh(world.branch_reviewer1)
    assert world.branch_reviewer1.email is None
    client.post("/notifications/email", data={"email": "shj@example.org"})
    db.session.refresh(world.branch_reviewer1)
    assert world.branch_reviewer1.email == "shj@example.org"


# ---------------------------------------------------------------- reminders and late units
def age(nomination: Nomination, days: int) -> None:
    nomination.state_since = utcnow() - timedelta(days=days, hours=1)
    db.session.commit()


def test_reminders_go_once_a_day_even_when_the_command_runs_twice(app, world, smtp_server):
    world.branch_reviewer1.email = "shahaijun@example.org"
    late = bring_to(new_nomination(world), "branch_review")
    age(late, world.campaign.reminder_days + 1)
    age(bring_to(new_nomination(world), "branch_review"), 0)  # fresh: not overdue
    runner = CliRunner()
    cli = app.cli
    first = runner.invoke(cli, ["reminders", "send"], obj=None, catch_exceptions=False)
    assert "1 reminder(s) sent" in first.output, first.output
    second = runner.invoke(cli, ["reminders", "send"], catch_exceptions=False)
    assert "0 reminder(s) sent" in second.output
    rows = notifications(kind="reminder")
    assert who(rows) == {("reminder", "branch1")} and rows[0].params["count"] == 1
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 1
    assert smtp_server.arrived.wait(5)
    assert smtp_server.messages[0][0] == ["shahaijun@example.org"]


def test_reminder_only_once_per_day_in_the_database_too(world):
    late = bring_to(new_nomination(world), "branch_review")
    age(late, 10)
    assert review.send_reminders() == 1
    db.session.query(Notification).delete()  # even without the notification, the day is taken
    db.session.commit()
    assert review.send_reminders() == 0
    assert review.send_reminders(now=utcnow() + timedelta(days=1)) == 1  # the next China day


def test_todo_list_flags_overdue_items(client, world, login_as):
    late = bring_to(new_nomination(world, nominee_name="逾期人"), "branch_review")
    bring_to(new_nomination(world, nominee_name="新到人"), "branch_review")
    age(late, 5)
    login_as("branch1")
    body = client.get("/todo/").get_data(as_text=True)
    rows = body.split("<tr>")
    assert any("逾期人" in row and "overdue" in row for row in rows)
    assert not any("新到人" in row and "overdue" in row for row in rows)


def test_late_units_page_counts_per_unit_with_constant_queries(client, world, login_as):
    first = bring_to(new_nomination(world), "township_review")
    age(first, 6)
    login_as("county")
    client.get("/late-units")
    with count_queries() as small:
        body = client.get("/late-units").get_data(as_text=True)
    assert re.search(r'data-unit="411624100">.*?class="overdue">1<.*?class="oldest">6<', body, re.S)
    for days in (4, 9):
        age(bring_to(new_nomination(world), "township_review"), days)
    age(bring_to(new_nomination(world, unit=world.branch2, chair=world.chair2), "branch_review",
                 factories.SECOND_TOWNSHIP), 8)
    age(bring_to(new_nomination(world), "returned"), 20)
    with count_queries() as large:
        body = client.get("/late-units").get_data(as_text=True)
    assert len(large) == len(small), "\n".join(large)
    assert re.search(r'data-unit="411624100">.*?class="overdue">3<.*?class="oldest">9<', body, re.S)
    assert re.search(r'data-unit="41162400101">.*?class="overdue">1<.*?class="oldest">8<', body, re.S)
    assert re.search(r'data-unit="41162410001">.*?class="overdue">1<.*?class="oldest">20<', body, re.S)
    login_as("branch1")
    assert client.get("/late-units").status_code == 403
    login_as("town1")
    assert client.get("/late-units").status_code == 403


# ---------------------------------------------------------------- delegation
@pytest.fixture
def deputy(world):
    """A second person of branch 1 (its vice-chair), who did not submit the nomination."""
    person = factories.user("deputy1", "submitter", world.branch1, "杨建新")
    db.session.commit()
    return person


def delegate(world, deputy, starts=0, ends=0, revoked=False) -> Delegation:
    today = china_today()
    row = Delegation(delegator_id=world.branch_reviewer1.id, delegate_id=deputy.id,
                     starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=ends),
                     created_by_id=world.branch_reviewer1.id, revoked_at=utcnow() if revoked else None)
    db.session.add(row)
    db.session.commit()
    return row


def test_delegate_acts_on_behalf_within_the_range_and_the_audit_shows_both(client, world, login_as, deputy):
    nomination = bring_to(new_nomination(world), "branch_review")
    login_as("branch1")
    response = client.post("/delegations", data={"delegate": deputy.id, "starts_on": china_today().isoformat(),
                                                  "ends_on": (china_today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    login_as("deputy1")
    todo = client.get("/todo/").get_data(as_text=True)
    assert f"/nominations/{nomination.id}" in todo
    assert re.search(r'id="todo-count">1<', todo)
    assert f"/nominations/{nomination.id}" in client.get("/nominations/").get_data(as_text=True)
    page = client.get(f"/nominations/{nomination.id}")
    assert page.status_code == 200 and 'name="event" value="approve"' in page.get_data(as_text=True)
    assert post_event(client, nomination, "approve", "代为审核").status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "township_review"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.actor_name, entry.on_behalf_of_name) == ("杨建新", "沙海军")
    timeline = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "杨建新（受沙海军委托）" in timeline  # "A on behalf of B", in the default Chinese UI


@pytest.mark.parametrize(("starts", "ends"), [(1, 3), (-3, -1)], ids=["before", "after"])
def test_delegation_does_nothing_outside_its_days(client, world, login_as, deputy, starts, ends):
    nomination = bring_to(new_nomination(world), "branch_review")
    delegate(world, deputy, starts, ends)
    login_as("deputy1")  # as the branch's vice-chair they may read it, but not review it
    assert f"/nominations/{nomination.id}" not in client.get("/todo/").get_data(as_text=True)
    assert 'value="approve"' not in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    post_event(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.on_behalf_of_id.is_not(None))) == 0


def test_delegation_covers_only_the_delegators_unit(client, world, login_as, deputy):
    other = bring_to(new_nomination(world, unit=world.branch2, chair=world.chair2), "branch_review",
                     factories.SECOND_TOWNSHIP)
    delegate(world, deputy)
    login_as("deputy1")
    assert client.get(f"/nominations/{other.id}").status_code == 403
    assert f"/nominations/{other.id}" not in client.get("/nominations/").get_data(as_text=True)


def test_delegate_must_belong_to_the_same_unit(client, world, login_as):
    login_as("branch1")
    page = client.get("/delegations").get_data(as_text=True)
    assert "白玉华" in page and "孙桂英" not in page  # chair1 (same unit) offered, branch2's reviewer not
    client.post("/delegations", data={"delegate": world.branch_reviewer2.id,
                                      "starts_on": china_today().isoformat(), "ends_on": china_today().isoformat()})
    assert db.session.scalar(select(func.count(Delegation.id))) == 0
    with pytest.raises(delegations.DelegationError):
        delegations.create_delegation(world.branch_reviewer1, world.branch_reviewer2, china_today(), china_today(),
                                   created_by=world.branch_reviewer1)
    login_as("chair1")  # not a reviewer: nothing to delegate
    client.post("/delegations", data={"delegate": world.branch_reviewer1.id,
                                      "starts_on": china_today().isoformat(), "ends_on": china_today().isoformat()})
    assert db.session.scalar(select(func.count(Delegation.id))) == 0


def test_delegate_may_not_review_their_own_submission(client, world, login_as, deputy):
    nomination = bring_to(new_nomination(world, chair=deputy), "branch_review",
                          {"chair1": "deputy1"})
    delegate(world, deputy)
    login_as("deputy1")
    assert f"/nominations/{nomination.id}" not in client.get("/todo/").get_data(as_text=True)
    post_event(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"


def test_revoked_delegation_stops_working(client, world, login_as, deputy):
    nomination = bring_to(new_nomination(world), "branch_review")
    row = delegate(world, deputy, 0, 5)
    login_as("deputy1")
    assert 'value="approve"' in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    login_as("branch1")
    assert client.post(f"/delegations/{row.id}/revoke").status_code == 302
    login_as("deputy1")
    assert f"/nominations/{nomination.id}" not in client.get("/todo/").get_data(as_text=True)
    assert 'value="approve"' not in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    post_event(client, nomination, "approve")
    db.session.refresh(nomination)
    assert nomination.state == "branch_review"
    login_as("town1")  # a stranger cannot revoke
    assert client.post(f"/delegations/{row.id}/revoke").status_code == 403


def test_delegates_hear_of_new_to_dos(client, world, login_as, deputy):
    delegate(world, deputy)
    nomination = new_nomination(world, chair=world.chair1)
    db.session.commit()
    login_as("chair1")
    post_event(client, nomination, "submit")
    assert who(notifications()) == {("todo", "branch1"), ("todo", "deputy1")}


# ---------------------------------------------------------------- reassignment
def test_admin_reassigns_a_leavers_reviews(client, world, login_as):
    nomination = bring_to(new_nomination(world), "township_review")
    successor = factories.user("town1new", "submitter", world.town1, "周新")
    db.session.commit()
    assignment = world.town_reviewer1.assignments("reviewer")[0]
    login_as("town1")
    assert client.get("/admin/reassign-reviewer").status_code == 403
    login_as("admin")
    assert client.get("/admin/reassign-reviewer").status_code == 200
    response = client.post("/admin/reassign-reviewer", data={"assignment": assignment.id,
                                                             "successor": successor.id, "deactivate": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(RoleAssignment, assignment.id)
    assert moved.user_id == successor.id
    assert not user_named("town1").active
    login_as("town1new")
    assert f"/nominations/{nomination.id}" in client.get("/todo/").get_data(as_text=True)
    assert post_event(client, nomination, "approve").status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "county_review"
    client.post("/logout")
    assert client.post("/login", data={"username": "town1", "password": factories.PASSWORD}).status_code == 200


def test_delegated_lists_and_detail_pages_agree(client, world, login_as):
    """A delegate with no view of their own (a row made before they moved unit, say) sees exactly the
    delegator's reviews, in the list and on the detail page, and only while the delegation runs."""
    from workflow_app.policy import can_view, visible_filter

    waiting = bring_to(new_nomination(world), "branch_review")
    draft = new_nomination(world)
    db.session.commit()
    row = Delegation(delegator_id=world.branch_reviewer1.id, delegate_id=world.chair2.id, starts_on=china_today(),
                     ends_on=china_today(), created_by_id=world.branch_reviewer1.id)
    db.session.add(row)
    db.session.commit()
    listed = set(db.session.scalars(select(Nomination.id).where(visible_filter(world.chair2))))
    assert listed == {waiting.id}
    assert can_view(world.chair2, waiting) and not can_view(world.chair2, draft)
    login_as("chair2")
    assert client.get(f"/nominations/{waiting.id}").status_code == 200
    assert client.get(f"/nominations/{draft.id}").status_code == 403
    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get(f"/nominations/{waiting.id}").status_code == 403
    assert not set(db.session.scalars(select(Nomination.id).where(visible_filter(world.chair2))))
