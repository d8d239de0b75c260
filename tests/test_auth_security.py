"""Logging in under attack: the password policy, forced password change, per-account lockout and
rate limit, session rotation and idle timeout, cookie flags, and the authentication log."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.conftest import login
from tests.test_bad_input import dispose, fields_in_error, sibling_app
from workflow_app.auth.events import locked_until
from workflow_app.auth.models import AuthEvent, User
from workflow_app.auth.passwords import password_problems
from workflow_app.core.timeutil import to_china, utcnow
from workflow_app.extensions import db, limiter
from workflow_app.orgs.services import create_unit

NEW_PASSWORD = "lotus-pond-1987"


def events_of(username: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuthEvent.kind).where(AuthEvent.username == username)
                                   .order_by(AuthEvent.id)))


def attempt(client, username: str, password: str, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


# ---------------------------------------------------------------- the password policy
@pytest.mark.parametrize(("password", "refused"), [
    pytest.param("short-1", True, id="shorter_than_ten"),
    pytest.param("13803941234", True, id="digits_only"),
    pytest.param("chairwoman1", True, id="the_username"),
    pytest.param("Password123", True, id="a_common_password_in_any_case"),
    pytest.param("woaini1314", True, id="a_common_chinese_password"),
    pytest.param(NEW_PASSWORD, False, id="a_good_one"),
])
def test_the_password_policy_refuses_short_numeric_own_name_and_common_passwords(app, password, refused):
    assert bool(password_problems(password, "ChairWoman1")) == refused


def test_the_policy_explains_itself_in_chinese_by_default(app):
    with app.test_request_context():
        assert password_problems("12345", "li") == ["密码至少需要 10 个字符。", "密码不能全是数字。"]


def test_create_user_refuses_a_weak_password_and_flags_the_account_for_a_change(app, world):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "li", "--name", "李明", "--role", "reviewer:411624100",
                               "--password", "12345678901"])
    assert weak.exit_code != 0 and "数字" in weak.output
    assert db.session.scalar(select(User).where(User.username == "li")) is None
    good = runner.invoke(args=["create-user", "li", "--name", "李明", "--role", "reviewer:411624100",
                               "--password", NEW_PASSWORD])
    assert good.exit_code == 0, good.output
    assert db.session.scalar(select(User).where(User.username == "li")).must_change_password


# ---------------------------------------------------------------- changing one's password
def test_a_user_changes_their_password_from_the_account_page(client, world):
    login(client, "chair1")
    assert "/account/password" in client.get("/account").get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/logout")
    assert attempt(client, "chair1", factories.PASSWORD).status_code == 200, "the old password no longer works"
    assert attempt(client, "chair1", NEW_PASSWORD).status_code == 302
    assert "password_changed" in events_of("chair1")


@pytest.mark.parametrize(("data", "field"), [
    pytest.param({"current_password": "wrong-one-99"}, "current_password", id="wrong_current_password"),
    pytest.param({"new_password": "chair1", "confirm": "chair1"}, "new_password", id="too_short"),
    pytest.param({"new_password": "1234567890123", "confirm": "1234567890123"}, "new_password", id="digits"),
    pytest.param({"new_password": "qwertyuiop", "confirm": "qwertyuiop"}, "new_password", id="common"),
    pytest.param({"confirm": "something-else-1"}, "confirm", id="confirmation_differs"),
    pytest.param({"new_password": factories.PASSWORD, "confirm": factories.PASSWORD}, "new_password",
                 id="the_same_as_before"),
])
def test_a_refused_new_password_is_explained_on_its_field_and_changes_nothing(client, world, data, field):
    login(client, "chair1")
    form = {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **data}
    response = client.post("/account/password", data=form)
    assert response.status_code == 200
    assert field in fields_in_error(response.get_data(as_text=True))
    db.session.expire_all()
    assert world.chair1.check_password(factories.PASSWORD)
    assert "password_changed" not in events_of("chair1")


def test_changing_the_password_ends_the_accounts_other_sessions(app, world):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "chair1")
    login(laptop, "chair1")
    laptop.post("/account/password", data={"current_password": factories.PASSWORD,
                                           "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert laptop.get("/nominations/").status_code == 200, "the session that changed it goes on"
    stale = phone.get("/nominations/")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]


# ---------------------------------------------------------------- forced change
def test_a_flagged_user_is_sent_to_change_the_password_from_every_page_until_they_do(client, world):
    db.session.execute(update(User).where(User.id == world.chair1.id).values(must_change_password=True))
    db.session.commit()
    response = attempt(client, "chair1", factories.PASSWORD, query_string={"next": "/nominations/?state=draft"})
    assert response.headers["Location"].startswith("/account/password")
    for path in ("/todo/", "/nominations/", "/nominations/new", "/notifications", "/account"):
        moved = client.get(path)
        assert moved.status_code == 302 and moved.headers["Location"].startswith("/account/password"), path
    assert client.get("/account/password").status_code == 200
    done = client.post(response.headers["Location"], data={
        "current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "next": "/nominations/?state=draft"})
    assert done.headers["Location"] == "/nominations/?state=draft", "then on to where they were going"
    assert client.get("/todo/").status_code == 200
    db.session.expire_all()
    assert not world.chair1.must_change_password


@pytest.mark.parametrize(("demo", "flagged"), [pytest.param(True, False, id="in_demo_mode"),
                                               pytest.param(False, True, id="outside_demo_mode")])
def test_demo_accounts_must_change_the_published_password_outside_demo_mode(app, monkeypatch, demo, flagged):
    monkeypatch.setitem(app.config, "DEMO_MODE", demo)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    users = db.session.scalars(select(User)).all()
    assert users and {user.must_change_password for user in users} == {flagged}


# ---------------------------------------------------------------- lockout and rate limits
def test_five_failed_logins_lock_the_account_for_fifteen_minutes_and_say_until_when(client, world):
    for _ in range(4):
        assert "password" in fields_in_error(attempt(client, "chair1", "guess-guess").get_data(as_text=True))
    fifth = attempt(client, "chair1", "guess-guess").get_data(as_text=True)
    until = locked_until("chair1")
    assert until is not None and timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)
    shown = to_china(until).strftime("%H:%M")
    assert shown in fifth and "锁定" in fifth
    refused = attempt(client, "chair1", factories.PASSWORD)
    assert refused.status_code == 200 and shown in refused.get_data(as_text=True), "even the right password"
    assert client.get("/todo/").status_code == 302, "nobody is logged in"
    assert events_of("chair1") == ["login_failed"] * 5 + ["lockout", "login_locked"]
    # Fifteen minutes later the account opens again, with a fresh count.
    db.session.execute(update(AuthEvent).values(created_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert locked_until("chair1") is None
    assert attempt(client, "chair1", factories.PASSWORD).status_code == 302


def test_a_lockout_does_not_touch_other_accounts_or_tell_whether_a_name_exists(client, world):
    for _ in range(5):
        attempt(client, "chair1", "guess-guess")
        attempt(client, "nobody-here", "guess-guess")
    assert locked_until("chair1") and locked_until("nobody-here"), "a name that matches nobody locks the same"
    assert attempt(client, "chair2", factories.PASSWORD).status_code == 302


def test_the_lockout_counts_only_failures_within_the_window_and_after_the_last_success(client, world):
    for _ in range(4):
        attempt(client, "chair1", "guess-guess")
    login(client, "chair1")
    client.post("/logout")
    for _ in range(4):
        attempt(client, "chair1", "guess-guess")
    assert locked_until("chair1") is None, "eight failures, but a success in between"
    db.session.execute(update(AuthEvent).values(created_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    attempt(client, "chair1", "guess-guess")
    assert locked_until("chair1") is None, "old failures have left the window"


def test_the_lockout_settings_come_from_the_configuration(app, world):
    strict = sibling_app(app, LOCKOUT_ATTEMPTS=2, LOCKOUT_MINUTES=60)
    try:
        client = strict.test_client()
        attempt(client, "chair1", "guess-guess")
        attempt(client, "chair1", "guess-guess")
        with strict.app_context():
            until = locked_until("chair1")
        assert until is not None and until - utcnow() > timedelta(minutes=59)
    finally:
        dispose(strict)


def test_login_attempts_are_limited_per_account_whatever_the_address(app, world, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = sibling_app(app, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute",
                          LOGIN_ACCOUNT_RATE_LIMIT="3 per hour", LOCKOUT_ATTEMPTS=100)
    try:
        client = limited.test_client()
        for number in range(3):
            response = attempt(client, "chair1", "guess-guess", environ_base={"REMOTE_ADDR": f"198.51.100.{number}"})
            assert response.status_code == 200
        blocked = attempt(client, "chair1", factories.PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.99"})
        assert blocked.status_code == 429
        other = attempt(client, "chair2", factories.PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.99"})
        assert other.status_code == 302, "another account from the same address is not held back"
    finally:
        dispose(limited)


# ---------------------------------------------------------------- the session
def test_logging_in_starts_a_new_session_that_keeps_nothing_from_before(client, world):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["locale"] = "en"
    login(client, "chair1")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "en", "the language choice is not a risk and stays"
        assert session["_user_id"] == f"{world.chair1.id}.1"


def test_an_idle_session_ends_and_logging_in_again_returns_to_the_page(client, world):
    login(client, "chair1")
    assert client.get("/nominations/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/nominations/?state=draft")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/nominations/?state%3Ddraft"
    assert client.get("/nominations/").status_code == 302, "logged out for good"
    back = attempt(client, "chair1", factories.PASSWORD, query_string={"next": "/nominations/?state=draft"})
    assert back.headers["Location"] == "/nominations/?state=draft"
    assert "session_expired" in events_of("chair1")


def test_a_session_active_within_the_idle_time_goes_on(client, world):
    login(client, "chair1")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 29 * 60
    assert client.get("/nominations/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session["last_seen"] < 5, "activity moves the idle clock on"


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_http_only_same_site_lax_and_secure_when_configured(app, world, secure):
    application = sibling_app(app, SESSION_COOKIE_SECURE=secure)
    try:
        response = attempt(application.test_client(), "chair1", factories.PASSWORD)
        cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) == secure
    finally:
        dispose(application)


# ---------------------------------------------------------------- the authentication log
def test_logins_failures_lockouts_logouts_and_password_changes_are_logged_with_address_and_browser(client, world):
    headers = {"User-Agent": "Mozilla/5.0 (test phone)"}
    attempt(client, "chair1", "guess-guess", headers=headers)
    attempt(client, "chair1", factories.PASSWORD, headers=headers)
    client.post("/account/password", headers=headers, data={
        "current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/logout", headers=headers)
    rows = db.session.scalars(select(AuthEvent).where(AuthEvent.username == "chair1").order_by(AuthEvent.id)).all()
    assert [row.kind for row in rows] == ["login_failed", "login", "password_changed", "logout"]
    assert {(row.user_id, row.client_ip, row.user_agent) for row in rows} == {
        (world.chair1.id, "127.0.0.1", "Mozilla/5.0 (test phone)")}
    assert all(utcnow() - row.created_at < timedelta(minutes=1) for row in rows)
    attempt(client, "no-such-user", "guess-guess")
    stranger = db.session.scalars(select(AuthEvent).where(AuthEvent.username == "no-such-user")).one()
    assert (stranger.kind, stranger.user_id) == ("login_failed", None)


def test_the_county_admin_sees_the_login_log_of_their_countys_users_only(client, world, login_as):
    other_county = create_unit(level="county", code="411625", name="郸城县总工会")
    outsider = factories.user("dancheng", "submitter", other_county, "外县主席")
    db.session.commit()
    attempt(client, "chair2", "guess-guess")
    login_as("dancheng")
    assert client.get("/admin/auth-events").status_code == 403
    login_as("chair1")
    assert client.get("/admin/auth-events").status_code == 403
    login_as("admin")
    page = client.get("/admin/auth-events").get_data(as_text=True)
    kinds = re.findall(r'class="auth-event auth-event-(\w+)"', page)
    assert "login_failed" in kinds and "login" in kinds
    assert "张明" in page and "外县主席" not in page and outsider.username not in page


# ---------------------------------------------------------------- what was already there, proven here
def test_passwords_are_stored_as_scrypt_hashes_never_as_typed(app, world):
    from workflow_app.auth.services import create_user

    user = create_user("liming", NEW_PASSWORD, "李明")
    assert user.password_hash.startswith("scrypt:") and NEW_PASSWORD not in user.password_hash
    assert user.check_password(NEW_PASSWORD) and not user.check_password(NEW_PASSWORD.upper())


@pytest.mark.parametrize("path", ["/login", "/notice", "/verify", "/no-such-page"])
def test_every_page_carries_the_security_headers(client, world, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
