"""Login (with per-account lockout), logout, password change, the language switch, and the
session rules every request passes: idle timeout and the forced password change."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from workflow_app.auth import events
from workflow_app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from workflow_app.auth.passwords import PasswordRejected
from workflow_app.auth.services import change_password, safe_next, save_locale
from workflow_app.core import work
from workflow_app.core.formats import LOCALES
from workflow_app.core.timeutil import to_china
from workflow_app.extensions import limiter

bp = Blueprint("auth", __name__)

EVENT_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "lockout": _l("Account locked"),
    "login_locked": _l("Login while locked"),
    "logout": _l("Logged out"),
    "password_changed": _l("Password changed"),
    "session_expired": _l("Session expired"),
}
# Pages a user who must change their password may still reach.
OPEN_DURING_FORCED_CHANGE = {"auth.change_password", "auth.logout", "auth.language", "static", "bootstrap.static"}
# Rewrite the session's "last seen" stamp at most this often (seconds): fewer cookies to send.
LAST_SEEN_RESOLUTION = 60
AUTH_EVENTS_SHOWN = 200


def _account_key() -> str:
    return "login-account:" + events.account_key(request.form.get("username", ""))


def _start_session(user) -> None:
    """A fresh session at login: nothing from before carries over (no fixation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session["last_seen"] = int(time.time())


def _china_clock(moment) -> str:
    return format_datetime(to_china(moment), "yyyy-MM-dd HH:mm")


def _here() -> str | None:
    """The page to come back to after logging in again (GET only: a form post cannot be replayed)."""
    if request.method != "GET":
        return None
    return request.full_path.rstrip("?")


def seconds_away(now: int) -> int | None:
    """Seconds since the session's last recorded request, or None when it records none."""
    last_seen = session.get("last_seen")
    return now - last_seen if isinstance(last_seen, int) else None


@bp.before_app_request
def session_rules():
    """Idle timeout, then the forced password change, for every page of a logged-in user."""
    if request.endpoint in ("static", "bootstrap.static") or not current_user.is_authenticated:
        return None
    now = int(time.time())
    away = seconds_away(now)
    if away is None or away > current_app.config["IDLE_TIMEOUT_MINUTES"] * 60:
        with work.unit():  # before any view: the log row is this request's only write
            events.record_event("session_expired", user=current_user)
        logout_user()
        session.clear()
        flash(_("You were away for a while, so you were logged out. Please log in again."), "warning")
        return redirect(url_for("auth.login", next=_here()))
    if away >= LAST_SEEN_RESOLUTION:
        session["last_seen"] = now
    if current_user.must_change_password and request.endpoint not in OPEN_DURING_FORCED_CHANGE:
        return redirect(url_for("auth.change_password", next=_here()))
    return None


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("review.todo"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_account_key, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        attempt = events.attempt_login(form.username.data, form.password.data)
        if attempt.user is not None:
            _start_session(attempt.user)
            target = safe_next(form.next.data)
            if attempt.user.must_change_password:
                return redirect(url_for("auth.change_password", next=target))
            return redirect(target or url_for("review.todo"))
        if not attempt.refused_while_locked:
            form.password.errors.append(_("Wrong username or password."))
        if attempt.locked_until is not None:
            form.password.errors.append(_("Too many failed logins: this account is locked until %(time)s.",
                                          time=_china_clock(attempt.locked_until)))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        events.record_event("logout", user=current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in LOCALES:
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            save_locale(current_user, form.locale.data)
    return redirect(safe_next(form.next.data) or url_for("auth.index"))


@bp.route("/language/<locale>")
def language_link(locale: str):
    """The footer's language links for visitors who are not logged in: a public page then needs no form,
    no CSRF token and so no cookie until the visitor picks a language (a QR scan sets none). Only the
    visitor's own display preference changes; a user's saved choice goes through the form (POST, CSRF)."""
    if locale not in LOCALES:
        abort(404)
    if not current_user.is_authenticated:
        session["locale"] = locale
    return redirect(safe_next(request.args.get("next")) or url_for("auth.index"))


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_page():
    form = ChangePasswordForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("The new password must differ from the current one."))
        else:
            try:
                change_password(current_user, form.new_password.data)
            except PasswordRejected as rejected:
                form.new_password.errors.extend(rejected.messages)
            else:
                user = current_user._get_current_object()
                events.record_event("password_changed", user=user)
                _start_session(user)  # the new session version: other sessions of the account end
                flash(_("Your password is changed. Other sessions of your account have ended."), "success")
                return redirect(safe_next(form.next.data) or url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/admin/auth-events")
@login_required
def auth_events():
    """Recent logins, failures, lockouts and password changes of the users of the admin's county."""
    counties = [a.org_unit for a in current_user.assignments("admin") if a.org_unit.level == "county"]
    if not counties:
        abort(403, _("Only a county administrator may open this page."))
    return render_template("auth/events.html", rows=events.recent_events(counties, AUTH_EVENTS_SHOWN),
                           labels=EVENT_LABELS)
