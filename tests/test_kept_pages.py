"""The to-do list is kept in memory per user and answered before the user loads, yet it is never stale and
never served where the full path would have said something else: another user's change, a removed role,
another browser, an idle session, a flashed message, a row turning overdue, another app server's write.
The data's generation, its key, changes with every committed write and only then."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import delete, select, text, update

from states.nomination import fire
from tests import factories
from tests.conftest import _app, count_queries, login
from tests.factories import bring_to, user_named
from workflow_app import pagecache
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core import generation
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.jobs.models import Job
from workflow_app.notifications.models import Notification
from workflow_app.review import blueprint as review_blueprint

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def waiting(world, name: str, state: str = "county_review"):
    return bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                         nominee_name=name, id_number=factories.id_number()), state)


def kept_todo(client, world):
    """A county reviewer whose to-do list (one nomination, 甲一) was rendered and then served kept."""
    nomination = waiting(world, "甲一")
    login(client, "county")
    client.get("/todo/")
    assert "甲一" in client.get("/todo/").get_data(as_text=True)
    return nomination


def stored() -> int:
    return db.session.scalar(select(generation.DataGeneration.value))


@pytest.fixture
def rendered(app):
    """The templates rendered while the test runs (a kept page renders none)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


# ---------------------------------------------------------------- the generation
def test_the_generation_changes_with_every_committed_write_and_only_then(app, world):
    db.session.commit()
    start = stored()
    db.session.commit()  # nothing written
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert stored() == start

    world.chair1.display_name = "白玉华（改）"
    db.session.rollback()  # a write that is rolled back changes nothing
    assert stored() == start

    world.chair1.display_name = "白玉华（改）"
    db.session.commit()
    after_orm = stored()
    db.session.execute(update(User).where(User.id == world.chair2.id).values(display_name="张明（改）"))
    db.session.commit()
    after_bulk = stored()
    db.session.execute(text("UPDATE user_account SET email = 'a@example.org' WHERE id = :id"), {"id": world.admin.id})
    db.session.commit()
    after_raw = stored()
    db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == world.chair2.id))
    db.session.commit()
    assert len({start, after_orm, after_bulk, after_raw, stored()}) == 5


def test_writes_only_to_tables_no_kept_page_prints_keep_the_generation(app, world):
    """A batch job's progress and every log-in would otherwise end every kept page many times a minute."""
    db.session.commit()
    start = stored()
    login(app.test_client(), "chair1")  # an auth_event row
    db.session.execute(update(Job).values(done=Job.done + 1))  # a job's progress, as the worker writes it
    db.session.commit()
    assert stored() == start
    assert {table.name for table in db.metadata.sorted_tables} >= generation.UNSHOWN_TABLES


# ---------------------------------------------------------------- kept and served early
def test_a_repeated_todo_request_is_answered_from_memory_before_the_user_loads(app, client, world, rendered):
    waiting(world, "甲一")
    login(client, "county")
    first = client.get("/todo/").get_data(as_text=True)
    with count_queries() as statements:
        response = client.get("/todo/")
    second = response.get_data(as_text=True)
    assert response.status_code == 200 and "甲一" in second
    assert rendered.count("review/todo.html") == 1  # the second was not rendered
    assert statements == ["SELECT value FROM data_generation WHERE id = 1"]  # no user, no list, no count
    assert TOKEN.sub("", first) == TOKEN.sub("", second) and pagecache.CSRF_MARKER not in second
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_without_the_setting_every_request_renders(app, client, world, rendered):
    app.config["PAGE_CACHE"] = False
    login(client, "county")
    client.get("/todo/")
    client.get("/todo/")
    assert rendered.count("review/todo.html") == 2


def test_a_change_made_elsewhere_shows_on_the_next_request(app, client, world):
    nomination = kept_todo(client, world)
    fire(nomination, "return_for_revision", world.county_reviewer, "材料不全，请补充")  # e.g. through the API
    db.session.commit()
    assert "甲一" not in client.get("/todo/").get_data(as_text=True)


def test_a_new_notification_and_a_renamed_unit_show_at_once(app, client, world):
    kept_todo(client, world)
    world.branch1.name = "清真食品有限公司工会"
    db.session.add(Notification(user_id=world.county_reviewer.id, kind="reminder", params={"count": 1}))
    db.session.commit()
    page = client.get("/todo/").get_data(as_text=True)
    assert "清真食品有限公司工会" in page and re.search(r'id="notification-count">1<', page)


def test_a_removed_role_is_not_answered_from_memory(app, client, world):
    kept_todo(client, world)
    db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == world.county_reviewer.id))
    db.session.commit()
    assert "甲一" not in client.get("/todo/").get_data(as_text=True)


def test_another_browser_with_the_same_cookie_is_logged_out_not_served(app, client, world):
    kept_todo(client, world)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/todo/", headers={"User-Agent": "curl/8.0"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_idle_session_is_logged_out_not_served(app, client, world):
    kept_todo(client, world)
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT_MINUTES"] * 60 + 5
    response = client.get("/todo/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_due_a_new_stamp_takes_the_full_path_and_gets_it(app, client, world, rendered):
    login(client, "county")
    client.get("/todo/")
    with client.session_transaction() as session:
        session["last_seen"] -= 120
        before = session["last_seen"]
    client.get("/todo/")
    with client.session_transaction() as session:
        assert session["last_seen"] > before
    assert rendered.count("review/todo.html") == 2


def test_a_password_changed_elsewhere_ends_this_session_even_with_a_page_kept(app, client, world):
    login(client, "county")
    client.get("/todo/")
    user = user_named("county")
    user.session_version += 1
    db.session.commit()
    response = client.get("/todo/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_flashed_message_is_shown_not_a_kept_page(app, client, world):
    kept_todo(client, world)
    # A bulk return without a comment is refused with a message, shown on the list it sends back to.
    response = client.post("/todo/bulk", data={"ids": ["1"], "event": "return_for_revision", "comment": ""},
                           follow_redirects=True)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert 'role="alert"' not in client.get("/todo/").get_data(as_text=True)


def test_the_csrf_token_on_a_kept_page_is_this_sessions_and_works(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    nomination = waiting(world, "甲一")
    desk, phone = app.test_client(), app.test_client()
    for browser in (desk, phone):
        page = browser.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # the login form's own
        browser.post("/login", data={"username": "county", "password": factories.PASSWORD, "csrf_token": token})
    desk.get("/todo/")
    kept = phone.get("/todo/").get_data(as_text=True)  # the same user's page, rendered for the desk
    tokens = set(TOKEN.findall(kept))
    assert len(tokens) == 1 and pagecache.CSRF_MARKER not in kept
    response = phone.post("/todo/bulk", data={"ids": [str(nomination.id)], "event": "approve", "comment": "同意",
                                              "csrf_token": tokens.pop()})
    assert response.status_code == 200 and "甲一" in response.get_data(as_text=True)


def test_a_row_turning_overdue_ends_the_kept_page(app, client, world, monkeypatch):
    waiting(world, "甲一")
    login(client, "county")
    assert "bg-danger overdue" not in client.get("/todo/").get_data(as_text=True)
    later = utcnow() + timedelta(days=world.campaign.reminder_days, hours=1)
    monkeypatch.setattr(pagecache, "utcnow", lambda: later)
    monkeypatch.setattr(review_blueprint, "utcnow", lambda: later)
    assert "bg-danger overdue" in client.get("/todo/").get_data(as_text=True)


def test_a_language_change_shows_at_once(app, client, world):
    login(client, "county")
    assert 'lang="zh-CN"' in client.get("/todo/").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/todo/"})
    assert 'lang="en"' in client.get("/todo/").get_data(as_text=True)


def test_another_app_server_s_write_shows_at_once(app, client, world, tmp_path):
    """Two app objects on one database stand for two servers: each keeps pages in its own memory."""
    nomination = waiting(world, "甲一")
    login(client, "county")
    client.get("/todo/")
    assert "甲一" in client.get("/todo/").get_data(as_text=True)
    # Ids read here: this app's rows touched inside the other app's context would load through its engine.
    nomination_id, reviewer_id = nomination.id, world.county_reviewer.id
    other = _app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "other")
    with other.app_context():
        there = db.session.get(type(nomination), nomination_id)
        fire(there, "approve", db.session.get(User, reviewer_id), "同意")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()
    assert "甲一" not in client.get("/todo/").get_data(as_text=True)


def test_a_delegation_that_starts_tomorrow_shows_on_tomorrows_first_request(app, client, world, monkeypatch):
    """Nothing is written at midnight: the China day is part of the key, so the kept page ends with the day."""
    from workflow_app.core import timeutil
    from workflow_app.notifications.services import create_delegation

    waiting(world, "甲一")  # waits for the county reviewer
    today = timeutil.china_today()
    create_delegation(world.county_reviewer, world.admin, today + timedelta(days=1), today + timedelta(days=3),
                      created_by=world.county_reviewer)
    db.session.commit()
    login(client, "admin")
    client.get("/todo/")
    assert "甲一" not in client.get("/todo/").get_data(as_text=True)  # kept: not standing in yet
    monkeypatch.setattr(timeutil, "china_today", lambda: today + timedelta(days=1))
    monkeypatch.setattr(pagecache, "china_today", lambda: today + timedelta(days=1))
    assert "甲一" in client.get("/todo/").get_data(as_text=True)
