"""Public notice (公示): the period's arithmetic, objections, the automatic close, the public page.

Pages are looked at through the web client as the people themselves (and as nobody, for the public
page); texts are asserted only where they come from data, since the Chinese catalog is still being filled.
"""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date
from sqlalchemy import func, select, update

from states.nomination import TransitionRefused, fire
from tests import factories
from tests.conftest import IsolatedClient, count_queries, require, run_together
from tests.factories import SECOND_TOWNSHIP, bring_to, user_named
from workflow_app.app import create_app
from workflow_app.core import timeutil
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db, limiter
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notice import services
from workflow_app.notice.calendar import days_left, notice_period
from workflow_app.notice.models import Holiday, Objection
from workflow_app.tokens.services import create_token

PDF = b"%PDF-1.4\n% a letter of objection\n"


# ---------------------------------------------------------------- helpers
def under_notice(world, **fields) -> Nomination:
    """A person nomination of branch 1 walked to public notice by the real workflow."""
    return bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                         **fields), "public_notice")


def set_period(nomination: Nomination, starts: date, ends: date) -> None:
    """Move the notice period (a plain UPDATE: the version stays) and commit."""
    db.session.execute(update(Nomination).where(Nomination.id == nomination.id)
                       .values(notice_starts_on=starts, notice_ends_on=ends))
    db.session.commit()
    db.session.refresh(nomination)


def make_due(nomination: Nomination) -> None:
    yesterday = china_today() - timedelta(days=1)
    set_period(nomination, yesterday - timedelta(days=6), yesterday)


def audit(nomination: Nomination, event: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.nomination_id == nomination.id).order_by(AuditEntry.id)
    if event:
        query = query.where(AuditEntry.event == event)
    return list(db.session.scalars(query))


def reload(nomination: Nomination) -> Nomination:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id)


def objection_form(nomination: Nomination, **overrides) -> dict:
    """What a person's browser posts: a token from a minute ago, the honeypot left empty."""
    data = {"objector_name": "李明", "objector_contact": "13912345678", "text": "该同志的事迹材料与实际不符。",
            "website": "", "token": services.form_token(nomination.id, issued_at=time.time() - 60)}
    data.update(overrides)
    return data


def post_objection(client, nomination: Nomination, **overrides):
    return client.post(f"/notice/{nomination.id}/object", data=objection_form(nomination, **overrides),
                       content_type="multipart/form-data")


def post_event(client, nomination: Nomination, event: str, comment: str = "经核实") :
    db.session.refresh(nomination)
    return client.post(f"/nominations/{nomination.id}/transition",
                       data={"event": event, "version": nomination.version, "comment": comment})


@pytest.fixture
def holidays(app):
    """Labour Day 2026 as a test calendar: 1–5 May off, Sunday 26 April and Saturday 9 May worked (调休)."""
    rows = [Holiday(day=date(2026, 5, d), name="劳动节", working=False) for d in range(1, 6)]
    rows += [Holiday(day=date(2026, 4, 26), name="调休", working=True),
             Holiday(day=date(2026, 5, 9), name="调休", working=True),
             Holiday(day=date(2027, 1, 1), name="元旦", working=False)]
    db.session.add_all(rows)
    db.session.commit()


# ---------------------------------------------------------------- period arithmetic
@pytest.mark.parametrize(("decided", "days", "working", "expected"), [
    pytest.param(date(2026, 3, 2), 7, False, (date(2026, 3, 3), date(2026, 3, 9)), id="calendar_days"),
    pytest.param(date(2026, 1, 29), 7, False, (date(2026, 1, 30), date(2026, 2, 5)), id="calendar_across_month_end"),
    pytest.param(date(2024, 2, 26), 5, False, (date(2024, 2, 27), date(2024, 3, 2)), id="calendar_leap_february"),
    pytest.param(date(2026, 12, 29), 5, False, (date(2026, 12, 30), date(2027, 1, 3)), id="calendar_across_year_end"),
    pytest.param(date(2026, 3, 5), 5, True, (date(2026, 3, 6), date(2026, 3, 12)), id="working_days_skip_a_weekend"),
    pytest.param(date(2026, 3, 6), 1, True, (date(2026, 3, 9), date(2026, 3, 9)), id="decided_friday_starts_monday"),
    pytest.param(date(2026, 4, 24), 7, True, (date(2026, 4, 26), date(2026, 5, 7)),
                 id="holidays_skipped_and_a_swapped_sunday_worked"),
    pytest.param(date(2026, 4, 24), 10, True, (date(2026, 4, 26), date(2026, 5, 11)),
                 id="a_swapped_saturday_counts_too"),
    pytest.param(date(2026, 12, 30), 3, True, (date(2026, 12, 31), date(2027, 1, 5)),
                 id="working_days_across_year_end_and_new_year"),
    pytest.param(date(2026, 4, 24), 7, False, (date(2026, 4, 25), date(2026, 5, 1)),
                 id="calendar_days_ignore_the_holiday_list"),
])
def test_notice_period(app, holidays, decided, days, working, expected):
    assert notice_period(decided, days, working) == expected


def test_without_the_holiday_list_working_days_are_monday_to_friday(app):
    assert notice_period(date(2026, 4, 24), 7, True) == (date(2026, 4, 27), date(2026, 5, 5))


@pytest.mark.parametrize(("today", "working", "expected"), [
    pytest.param(date(2026, 4, 20), True, 10, id="before_the_start_all_days_are_left"),
    pytest.param(date(2026, 5, 1), True, 5, id="holidays_and_sunday_not_counted"),
    pytest.param(date(2026, 5, 11), True, 1, id="the_last_day_itself_counts"),
    pytest.param(date(2026, 5, 12), True, 0, id="after_the_end_nothing_left"),
    pytest.param(date(2026, 5, 1), False, 11, id="calendar_days"),
])
def test_days_left(app, world, holidays, today, working, expected):
    world.campaign.notice_working_days = working
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    nomination.notice_starts_on, nomination.notice_ends_on = date(2026, 4, 26), date(2026, 5, 11)
    assert days_left(nomination, today) == expected


class FrozenClock(datetime):
    """datetime with ``now`` fixed at one instant, as seen from any zone asked for."""

    instant = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        value = cls.instant.astimezone(tz) if tz else cls.instant.astimezone().replace(tzinfo=None)
        return cls.fromtimestamp(value.timestamp(), tz) if tz else value


def test_at_17h_utc_it_is_already_the_next_day_in_china(app, world):
    walked = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1),
                      "county_review")
    due = under_notice(world)
    running = under_notice(world)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        patch.setattr(timeutil, "datetime", FrozenClock)
        try:
            assert timeutil.datetime.now().date() == date(2026, 3, 31), "the server's own clock still says 31 March"
            assert china_today() == date(2026, 4, 1)
            set_period(due, date(2026, 3, 25), date(2026, 3, 31))  # over at 24:00 on 31 March, China time
            set_period(running, date(2026, 3, 26), date(2026, 4, 1))  # its last day has just begun
            assert services.close_due_notices() == 1
            fire(walked, "approve", user_named("county"), "同意")  # decided on 1 April in China
            db.session.commit()
        finally:
            patch.undo()
            time.tzset()
    assert (reload(due).state, reload(running).state) == ("approved", "public_notice")
    walked = reload(walked)
    assert (walked.notice_starts_on, walked.notice_ends_on) == (date(2026, 4, 2), date(2026, 4, 8))


# ---------------------------------------------------------------- objections: dismissed, upheld
@pytest.mark.parametrize(("after_dismissal", "expected"), [
    pytest.param("remainder", (date(2026, 3, 3), date(2026, 3, 17)), id="remainder_resumes_the_5_days_left"),
    pytest.param("fresh", (date(2026, 3, 3), date(2026, 3, 19)), id="fresh_starts_7_days_again"),
])
def test_a_dismissed_objection_resumes_the_notice_for_the_days_left_or_afresh(app, world, after_dismissal, expected):
    world.campaign.after_dismissal = after_dismissal
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    fire(nomination, "approve", user_named("county"), "同意", today=date(2026, 3, 2))
    assert (nomination.notice_starts_on, nomination.notice_ends_on) == (date(2026, 3, 3), date(2026, 3, 9))
    db.session.add(Objection(nomination_id=nomination.id, objector_name="李明", objector_contact="13912345678",
                             text="不实", channel="online"))
    db.session.flush()
    fire(nomination, "raise_objection", None, today=date(2026, 3, 5))  # 5 to 9 March were left: 5 days
    assert nomination.state == "county_review"
    fire(nomination, "dismiss_objection", user_named("county"), "经核实，反映不实", today=date(2026, 3, 12))
    db.session.commit()
    assert nomination.state == "public_notice"
    assert (nomination.notice_starts_on, nomination.notice_ends_on) == expected
    assert db.session.scalar(select(Objection.status)) == "dismissed"


def test_an_objection_from_the_public_then_dismissed_through_the_pages(client, world, login_as):
    nomination = under_notice(world)
    ends = nomination.notice_ends_on
    response = post_objection(client, nomination)
    assert response.status_code == 200 and 'id="objection-received"' in response.get_data(as_text=True)
    nomination = reload(nomination)
    assert nomination.state == "county_review"
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.objector_name, objection.channel, objection.status, objection.entered_by_id) == (
        "李明", "online", "open", None)
    raised = audit(nomination, "raise_objection")
    assert [(e.actor_id, e.actor_name, e.actor_role, e.to_state) for e in raised] == [
        (None, "system", "system", "county_review")]

    login_as("county")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'id="under-investigation"' in page
    offered = set(re.findall(r'name="event" value="(\w+)"', page))
    assert offered == {"dismiss_objection", "uphold_objection"}, "approving waits until the objection is resolved"
    assert post_event(client, nomination, "dismiss_objection", "").status_code == 302  # a reason is required
    assert reload(nomination).state == "county_review"
    assert post_event(client, nomination, "dismiss_objection", "经核实，反映不实").status_code == 302
    nomination = reload(nomination)
    assert nomination.state == "public_notice"
    assert nomination.notice_ends_on == ends, "objected and dismissed on the same day: the same days are left"
    dismissed = audit(nomination, "dismiss_objection")
    assert [(e.actor_name, e.comment) for e in dismissed] == [("刘秀兰", "经核实，反映不实")]
    db.session.expire_all()
    objection = db.session.get(Objection, objection.id)
    assert (objection.status, objection.resolution, objection.resolved_by_id) == (
        "dismissed", "经核实，反映不实", world.county_reviewer.id)


def test_an_upheld_objection_rejects_the_nomination_and_the_result_is_kept(client, world, login_as):
    nomination = under_notice(world)
    post_objection(client, nomination)
    login_as("county")
    assert post_event(client, nomination, "uphold_objection", "反映属实").status_code == 302
    nomination = reload(nomination)
    assert (nomination.state, nomination.notice_result) == ("rejected", "objection_upheld")
    assert db.session.scalar(select(Objection.status)) == "upheld"
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'id="notice-result"' in page
    assert nomination.nominee_name not in client.get("/notice").get_data(as_text=True)


def test_only_a_county_reviewer_resolves_an_objection(client, world, login_as):
    nomination = under_notice(world)
    post_objection(client, nomination)
    for username in ("chair1", "branch1", "town1", "admin"):
        login_as(username)
        page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
        assert not set(re.findall(r'name="event" value="(\w+)"', page)) & {"dismiss_objection", "uphold_objection"}
        post_event(client, nomination, "dismiss_objection", "不应生效")
        assert reload(nomination).state == "county_review"


def test_a_second_objection_joins_the_open_investigation(client, world):
    nomination = under_notice(world)
    post_objection(client, nomination)
    assert post_objection(client, nomination, objector_name="王芳").status_code == 200
    assert db.session.scalar(select(func.count(Objection.id)).where(Objection.status == "open")) == 2
    assert len(audit(nomination, "raise_objection")) == 1


def test_no_objection_once_the_notice_is_over(client, world):
    nomination = under_notice(world)
    make_due(nomination)
    services.close_due_notices()
    assert client.get(f"/notice/{nomination.id}/object").status_code == 404
    assert post_objection(client, nomination).status_code == 404
    assert db.session.scalar(select(func.count(Objection.id))) == 0


def test_an_objection_with_evidence_keeps_the_file_for_the_county_only(app, client, world, login_as):
    nomination = under_notice(world)
    response = post_objection(client, nomination, attachment=(io.BytesIO(PDF), "举报材料.pdf"))
    assert response.status_code == 200
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.attachment_name, objection.attachment_type) == ("举报材料.pdf", "application/pdf")
    url = f"/notice/objections/{objection.id}/attachment"
    login_as("county")
    with client.get(url) as response:
        assert response.data == PDF
    login_as("town1")
    with client.get(url) as response:
        assert response.status_code == 403


def test_an_attachment_that_is_not_a_document_is_refused_and_nothing_is_kept(client, world):
    nomination = under_notice(world)
    response = post_objection(client, nomination, attachment=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "a.exe"))
    assert response.status_code == 400
    assert reload(nomination).state == "public_notice"
    assert db.session.scalar(select(func.count(Objection.id))) == 0


# ---------------------------------------------------------------- phone and letter; who sees the objector
def test_a_county_reviewer_enters_an_objection_received_by_phone(client, world, login_as):
    nomination = under_notice(world)
    for username in ("chair1", "branch1", "town1", "admin"):
        login_as(username)
        refused = client.post(f"/nominations/{nomination.id}/objections", data={
            "channel": "phone", "objector_name": "张三", "objector_contact": "0394-5212345", "text": "电话反映"})
        assert refused.status_code == 403
    assert reload(nomination).state == "public_notice"

    login_as("county")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f'action="/nominations/{nomination.id}/objections"' in page
    response = client.post(f"/nominations/{nomination.id}/objections", data={
        "channel": "phone", "objector_name": "张三", "objector_contact": "0394-5212345", "text": "电话反映事迹不实"})
    assert response.status_code == 302
    nomination = reload(nomination)
    assert nomination.state == "county_review"
    objection = db.session.scalars(select(Objection)).one()
    assert (objection.channel, objection.entered_by_id, objection.objector_name) == (
        "phone", world.county_reviewer.id, "张三")
    [entry] = audit(nomination, "raise_objection")
    assert (entry.actor_name, entry.actor_role, entry.actor_unit_name) == ("刘秀兰", "reviewer", "沈丘县总工会")


@pytest.mark.parametrize(("username", "sees_identity"), [
    pytest.param("county", True, id="county_reviewer"),
    pytest.param("admin", True, id="county_admin"),
    pytest.param("town1", False, id="township_reviewer"),
    pytest.param("branch1", False, id="branch_reviewer"),
    pytest.param("chair1", False, id="nominating_chair"),
])
def test_the_objectors_identity_is_shown_to_the_county_only(client, world, login_as, username, sees_identity):
    nomination = under_notice(world)
    post_objection(client, nomination, objector_name="检举人甲", objector_contact="13700001111",
                   text="反映内容乙")
    login_as(username)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'class="border rounded p-2 mb-2 objection"' in page, "everyone who may see it sees an objection exists"
    for secret in ("检举人甲", "13700001111", "反映内容乙"):
        assert (secret in page) == sees_identity


# ---------------------------------------------------------------- bot protection and the rate limit
@pytest.mark.parametrize("overrides", [
    pytest.param({"website": "http://spam.example"}, id="honeypot_filled"),
    pytest.param({"token": None}, id="sent_at_once"),
    pytest.param({"token": ""}, id="no_token"),
    pytest.param({"token": "123.1700000000.forged"}, id="forged_token"),
    pytest.param({"token": "other"}, id="token_of_another_nomination"),
    pytest.param({"token": "old"}, id="form_shown_two_days_ago"),
])
def test_bots_are_refused_and_nothing_changes(client, world, overrides):
    nomination = under_notice(world)
    other = under_notice(world)
    tokens = {None: services.form_token(nomination.id), "other": services.form_token(other.id, time.time() - 60),
              "old": services.form_token(nomination.id, time.time() - 2 * 86400)}
    if "token" in overrides and overrides["token"] in tokens:
        overrides = {"token": tokens[overrides["token"]]}
    version = nomination.version
    response = post_objection(client, nomination, **overrides)
    assert response.status_code == 400
    assert 'id="objection-received"' not in response.get_data(as_text=True)
    nomination = reload(nomination)
    assert (nomination.state, nomination.version) == ("public_notice", version)
    assert db.session.scalar(select(func.count(Objection.id))) == 0


def test_the_form_page_carries_a_fresh_signed_token_and_a_hidden_honeypot(client, world):
    nomination = under_notice(world)
    page = client.get(f"/notice/{nomination.id}/object").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token, page
    assert services.token_problem(token.group(1), nomination.id, now=time.time() + 60) is None
    assert 'class="hp-field"' in page and 'name="website"' in page


def test_too_many_objections_from_one_address_get_429(app, world, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # the Limiter is shared: put its switch back
    nomination = under_notice(world)
    limited = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": app.config[
            "SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
        "OBJECTION_RATE_LIMIT": "2 per hour"})
    limited.test_client_class = IsolatedClient
    try:
        client = limited.test_client()
        spam = objection_form(nomination, website="spam")
        for _ in range(2):
            assert client.post(f"/notice/{nomination.id}/object", data=spam).status_code == 400
        assert client.post(f"/notice/{nomination.id}/object", data=objection_form(nomination)).status_code == 429
        assert client.get(f"/notice/{nomination.id}/object").status_code == 200, "the form still shows"
        other_address = client.post(f"/notice/{nomination.id}/object", data=spam,
                                    environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other_address.status_code == 400, "the limit is per address"
        assert reload(nomination).state == "public_notice"
    finally:
        with limited.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------- the automatic close
def test_the_command_closes_notices_that_are_over_once_as_the_system(app, world):
    due = under_notice(world)
    running = under_notice(world)
    objected = under_notice(world)
    make_due(due)
    db.session.add(Objection(nomination_id=objected.id, objector_name="李明", objector_contact="1", text="x"))
    db.session.flush()
    fire(objected, "raise_objection", None)
    db.session.commit()
    make_due(objected)

    result = app.test_cli_runner().invoke(args=["notices", "close"])
    assert result.exit_code == 0, result.output
    assert "1 public notice(s) closed" in result.output
    again = app.test_cli_runner().invoke(args=["notices", "close"])
    assert "0 public notice(s) closed" in again.output

    due, running, objected = reload(due), reload(running), reload(objected)
    assert (due.state, due.notice_result) == ("approved", "no_objection")
    assert running.state == "public_notice"
    assert objected.state == "county_review", "an open objection keeps it under investigation"
    ended = audit(due, "end_notice")
    assert [(e.actor_id, e.actor_name, e.actor_role, e.from_state, e.to_state) for e in ended] == [
        (None, "system", "system", "public_notice", "approved")]


@pytest.mark.parametrize(("path", "username"), [
    pytest.param("/notice", None, id="public_notice_page_anonymous"),
    pytest.param("/nominations/", "chair1", id="nominations_list"),
    pytest.param("/todo/", "admin", id="todo_list"),
    pytest.param("/nominations/{id}", "branch1", id="nomination_page"),
    pytest.param("/api/v1/nominations/{id}", "api", id="api"),
])
def test_looking_at_a_page_writes_nothing_and_a_notice_that_is_over_reads_as_over(client, world, login_as, path,
                                                                                 username):
    """No write on GET: the page treats the notice as ended; only the scheduled job records it, once."""
    nomination = under_notice(world)
    make_due(nomination)
    headers = {}
    if username == "api":
        headers = {"Authorization": f"Bearer {create_token(world.admin, 'test', 'read').secret}"}
        db.session.commit()
    elif username:
        login_as(username)
    page = client.get(path.format(id=nomination.id), headers=headers)
    assert page.status_code == 200
    nomination = reload(nomination)
    assert (nomination.state, audit(nomination, "end_notice")) == ("public_notice", [])
    if path == "/notice":
        assert nomination.nominee_name not in page.get_data(as_text=True)  # over: no longer under notice
    elif path == "/nominations/{id}":
        assert 'id="notice-over"' in page.get_data(as_text=True)  # ended, waiting to be recorded
    assert services.close_due_notices() == 1
    client.get(path.format(id=nomination.id), headers=headers)
    assert services.close_due_notices() == 0
    nomination = reload(nomination)
    assert (nomination.state, nomination.notice_result) == ("approved", "no_objection")
    assert [(e.actor_id, e.actor_role) for e in audit(nomination, "end_notice")] == [(None, "system")]


def test_an_objection_after_the_last_day_is_refused_before_anything_recorded_the_end(client, world, login_as):
    """The notice's last day is over and no job has run: the public form and the county's entry are refused
    with the day it ended, nothing reopens the notice, and the job then records the end exactly once."""
    nomination = under_notice(world)
    make_due(nomination)
    ended = services.notice_over_message(nomination)
    form = client.get(f"/notice/{nomination.id}/object")
    assert form.status_code == 404 and str(ended) in form.get_data(as_text=True)
    posted = post_objection(client, nomination)
    assert posted.status_code == 404 and "公示已于" in posted.get_data(as_text=True)
    login_as("county")
    entered = client.post(f"/nominations/{nomination.id}/objections",
                          data={"objector_name": "王五", "objector_contact": "13900000000", "text": "电话反映",
                                "channel": "phone", "form_key": "a" * 32})
    assert entered.status_code == 302
    assert "公示已于" in client.get(entered.headers["Location"]).get_data(as_text=True)
    with pytest.raises(TransitionRefused) as refused:  # the machine itself refuses, whoever calls
        fire(reload(nomination), "raise_objection", None)
    assert refused.value.guard == "notice_still_running"
    db.session.rollback()
    nomination = reload(nomination)
    assert nomination.state == "public_notice" and db.session.scalar(select(func.count(Objection.id))) == 0
    assert services.close_due_notices() == 1 and services.close_due_notices() == 0
    nomination = reload(nomination)
    assert nomination.state == "approved" and len(audit(nomination, "end_notice")) == 1


def test_the_county_admin_may_end_a_notice_that_is_over_and_nobody_may_before(client, world, login_as):
    nomination = under_notice(world)
    login_as("admin")
    post_event(client, nomination, "end_notice")
    assert reload(nomination).state == "public_notice", "the period is not over yet"
    make_due(nomination)
    assert post_event(client, nomination, "end_notice").status_code == 302
    assert [e.actor_name for e in audit(nomination, "end_notice")] == ["赵建华"]


@pytest.mark.postgres
def test_two_closers_running_at_once_close_each_notice_exactly_once(app, world, migrated_database):
    if migrated_database.kind != "postgresql":
        require("PostgreSQL", "WORKFLOW_REQUIRE_PG",
                "races need real concurrent connections; run with TEST_PG_ADMIN_URL (make test does)")
    nominations = [under_notice(world) for _ in range(3)]
    for nomination in nominations:
        make_due(nomination)
    ids = [n.id for n in nominations]
    db.session.remove()
    barrier = threading.Barrier(2)
    closed: list[int] = []
    errors: list[BaseException] = []

    def closer() -> None:
        with app.app_context():
            try:
                due = services.due_notice_ids(china_today())
                for nomination_id in due:  # load every row before the other thread writes
                    db.session.get(Nomination, nomination_id)
                barrier.wait(timeout=10)
                closed.append(services.close_due_notices())
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=closer) for _ in range(2)]
    run_together(threads)
    assert not errors, errors
    assert sum(closed) == 3
    for nomination_id in ids:
        assert db.session.get(Nomination, nomination_id).state == "approved"
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.nomination_id == nomination_id, AuditEntry.event == "end_notice")) == 1


# ---------------------------------------------------------------- the public page, the document, the PDF
def birth_date_forms(day: date) -> list[str]:
    forms = [day.isoformat(), day.strftime("%Y%m%d"), f"{day.year}年{day.month}月{day.day}日",
             f"{day.year}/{day.month}/{day.day}"]
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            forms += [format_date(day, style) for style in ("short", "medium", "long")]
    return forms


def test_the_public_page_lists_the_nominees_and_never_their_id_numbers_phones_or_birth_dates(client, world):
    people = [under_notice(world, nominee_name="马金凤", birth_date=date(1985, 6, 15), phone="13803941234"),
              under_notice(world, nominee_name="白玉华", birth_date=date(1979, 11, 2), phone="13698765432")]
    organisation = bring_to(factories.nomination(world.campaign, "model_worker_small_home", world.branch1, world.chair1,
                                                 phone="0394-5212345"), "public_notice")
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                 nominee_name="草稿人")
    db.session.commit()

    response = client.get("/notice")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for nomination in (*people, organisation):
        assert nomination.nominee_name in page
        assert nomination.deeds_summary in page
        assert f'href="/notice/{nomination.id}/object"' in page
        assert nomination.phone not in page and mask_phone(nomination.phone) not in page
    assert "草稿人" not in page and draft.id_number not in page
    assert world.town1.name in page and world.campaign.name in page
    for person in people:
        assert person.id_number not in page and mask_id_number(person.id_number) not in page
        for written in birth_date_forms(person.birth_date):
            assert written not in page, f"the birth date shows as {written}"
    ends = people[0].notice_ends_on
    assert f"{ends.year}年{ends.month}月{ends.day}日" in page, "the period in China dates"

    form_page = client.get(f"/notice/{people[0].id}/object").get_data(as_text=True)
    assert people[0].nominee_name in form_page
    assert people[0].id_number not in form_page and people[0].phone not in form_page


def test_the_public_page_and_the_form_need_no_login_but_other_nominations_are_not_there(client, world):
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    assert client.get("/notice").status_code == 200
    assert 'id="no-notices"' in client.get("/notice").get_data(as_text=True)
    assert client.get(f"/notice/{draft.id}/object").status_code == 404
    assert client.get("/notice/999999/object").status_code == 404


def test_the_county_admin_exports_the_notice_as_a_document_and_a_pdf(client, world, login_as):
    from pypdf import PdfReader

    nominations = [under_notice(world, nominee_name=name) for name in ("马金凤", "白玉华", "沙海军")]
    for username in ("county", "town1", "chair1"):
        login_as(username)
        assert client.get(f"/notice/{world.campaign.id}/document").status_code == 403
        assert client.get(f"/notice/{world.campaign.id}/notice.pdf").status_code == 403
    login_as("admin")
    document = client.get(f"/notice/{world.campaign.id}/document").get_data(as_text=True)
    for nomination in nominations:
        assert nomination.nominee_name in document and nomination.id_number not in document
    response = client.get(f"/notice/{world.campaign.id}/notice.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "公" in text and "示" in text
    for nomination in nominations:
        assert nomination.nominee_name in text
        assert nomination.id_number not in text and nomination.phone not in text
    assert "/notice" in text, "how to object: the address of the public page"


# ---------------------------------------------------------------- administration
def test_the_county_admin_keeps_the_holiday_list(client, world, login_as):
    login_as("town1")
    assert client.get("/admin/holidays").status_code == 403
    login_as("admin")
    assert client.post("/admin/holidays", data={"day": "2026-10-01", "name": "国庆节"}).status_code == 302
    assert client.post("/admin/holidays", data={"day": "2026-10-10", "name": "调休",
                                                "working": "y"}).status_code == 302
    page = client.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert 'data-day="2026-10-01"' in page and 'data-day="2026-10-10"' in page
    db.session.expire_all()
    assert db.session.get(Holiday, date(2026, 10, 10)).working is True
    assert notice_period(date(2026, 9, 30), 1, True) == (date(2026, 10, 2), date(2026, 10, 2))
    assert client.post("/admin/holidays/2026-10-01/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Holiday, date(2026, 10, 1)) is None
    assert client.post("/admin/holidays/2026-10-01/delete").status_code == 404
    assert client.post("/admin/holidays/not-a-day/delete").status_code == 404


def test_the_campaign_form_sets_what_follows_a_dismissal_and_the_reminder_days(client, world, login_as):
    login_as("admin")
    campaign = world.campaign
    page = client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'name="after_dismissal"' in page and 'name="reminder_days"' in page
    data = {"name": campaign.name, "year": campaign.year, "opens_on": campaign.opens_on.isoformat(),
            "closes_on": campaign.closes_on.isoformat(), "notice_days": 5, "after_dismissal": "fresh",
            "reminder_days": 6, "vote_quorum_numerator": 4, "vote_quorum_denominator": 5,
            "honor_types": [h.id for h in campaign.honor_types]}
    assert client.post(f"/admin/campaigns/{campaign.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    campaign = db.session.get(type(campaign), campaign.id)
    assert (campaign.after_dismissal, campaign.reminder_days) == ("fresh", 6)
    bad = client.post(f"/admin/campaigns/{campaign.id}/edit", data={**data, "after_dismissal": "never"})
    assert bad.status_code == 200 and "invalid-feedback" in bad.get_data(as_text=True)


def test_an_online_objection_notifies_the_county_reviewers_with_the_objection(client, world):
    from workflow_app.notifications.models import Notification

    nomination = under_notice(world)
    before = db.session.scalar(select(func.max(Notification.id)))
    assert 'id="objection-received"' in post_objection(client, nomination).get_data(as_text=True)
    notified = db.session.execute(select(Notification.user_id, Notification.kind)
                                  .where(Notification.id > before)).all()
    assert notified == [(world.county_reviewer.id, "objection")]
    [entry] = audit(reload(nomination), "raise_objection")
    assert (entry.actor_id, entry.actor_role) == (None, "system")


def test_a_notice_closed_by_the_system_tells_the_chair(app, world):
    from workflow_app.notifications.models import Notification

    nomination = under_notice(world)
    make_due(nomination)
    before = db.session.scalar(select(func.max(Notification.id)))
    assert services.close_due_notices() == 1
    kinds = db.session.execute(select(Notification.user_id, Notification.kind).where(Notification.id > before)).all()
    assert kinds == [(world.chair1.id, "approved")]


def test_the_public_page_comes_in_pages_and_names_townships_without_a_query_per_nominee(client, world, monkeypatch):
    monkeypatch.setattr(services, "NOTICE_PAGE_SIZE", 2)
    names = ["甲一", "乙二"]
    for name in names:
        under_notice(world, nominee_name=name)
    names.append("丙三")
    other = factories.nomination(world.campaign, "outstanding_union_worker", world.branch2, world.chair2,
                                 nominee_name="丙三", id_number=factories.id_number())
    bring_to(other, "public_notice", SECOND_TOWNSHIP)
    with count_queries() as two_nominees:
        first = client.get("/notice").get_data(as_text=True)
    with count_queries() as one_nominee:
        second = client.get("/notice?page=2").get_data(as_text=True)
    on_first = [name for name in names if name in first]
    assert len(on_first) == 2 and [name for name in names if name in second] == sorted(set(names) - set(on_first))
    assert 'href="/notice?page=2"' in first and 'id="no-notices"' not in second
    assert world.town1.name in first + second and world.town2.name in first + second
    assert len(two_nominees) == len(one_nominee), "a statement per nominee shown"
