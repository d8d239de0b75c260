"""The authentication log (``auth_event``) and the per-account lockout read from it.

The lockout is derived from the log rather than kept in a counter on the user row, so it works the
same for names that match nobody (an attacker learns nothing from being locked out or not) and a
successful login or the end of a lockout needs no reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import func, or_, select

from workflow_app.auth.models import AuthEvent, RoleAssignment, User
from workflow_app.auth.services import authenticate, find_user
from workflow_app.core import work
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit


def account_key(username: str) -> str:
    """The username as it counts for lockouts: trimmed, lowercased, cut to the column's length."""
    return (username or "").strip().lower()[:64]


def record_event(kind: str, *, user: User | None = None, username: str | None = None,
                 at: datetime | None = None) -> AuthEvent:
    """Add one row to the authentication log (flushed; the unit of work commits it). The log is
    bookkeeping: a GET whose session expired writes it too."""
    event = AuthEvent(kind=kind, user_id=user.id if user else None,
                      username=account_key(user.username if user else username or ""),
                      created_at=at or utcnow())
    if has_request_context():
        event.client_ip = (request.remote_addr or "")[:45] or None
        event.user_agent = (request.user_agent.string or "")[:255] or None
    with work.bookkeeping():
        db.session.add(event)
    return event


def _settings() -> tuple[int, timedelta, timedelta]:
    config = current_app.config
    return (config["LOCKOUT_ATTEMPTS"], timedelta(minutes=config["LOCKOUT_WINDOW_MINUTES"]),
            timedelta(minutes=config["LOCKOUT_MINUTES"]))


def _last(username: str, kinds: tuple[str, ...]) -> datetime | None:
    return db.session.scalar(select(func.max(AuthEvent.created_at))
                             .where(AuthEvent.username == account_key(username), AuthEvent.kind.in_(kinds)))


def locked_until(username: str, now: datetime | None = None) -> datetime | None:
    """When the account's current lockout ends, or None when it is not locked."""
    _attempts, _window, duration = _settings()
    last_lockout = _last(username, ("lockout",))
    if last_lockout is None:
        return None
    ends = last_lockout + duration
    return ends if ends > (now or utcnow()) else None


def record_failure(username: str, user: User | None, now: datetime | None = None) -> datetime | None:
    """Log a failed login; when it is one too many, lock the account. Returns the lockout's end."""
    now = now or utcnow()
    record_event("login_failed", user=user, username=username, at=now)
    attempts, window, duration = _settings()
    # Failures count since the window began, the last success and the last lockout, whichever is latest.
    since = max(filter(None, (now - window, _last(username, ("login", "lockout")))))
    failures = db.session.scalar(select(func.count(AuthEvent.id)).where(
        AuthEvent.username == account_key(username), AuthEvent.kind == "login_failed",
        AuthEvent.created_at > since)) or 0
    if failures >= attempts:
        record_event("lockout", user=user, username=username, at=now)
        return now + duration
    return None


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of one login: the user when it succeeded; when the account is locked, until when
    (``refused_while_locked``: the password was not even checked)."""

    user: User | None
    locked_until: datetime | None = None
    refused_while_locked: bool = False


def attempt_login(username: str, password: str) -> LoginAttempt:
    """Check a login against the lockout and the password, and log it (flushes; the caller commits)."""
    until = locked_until(username)
    if until is not None:
        record_event("login_locked", user=find_user(username), username=username)
        return LoginAttempt(None, until, refused_while_locked=True)
    user = authenticate(username, password)
    if user is None:
        return LoginAttempt(None, record_failure(username, find_user(username)))
    record_event("login", user=user)
    return LoginAttempt(user)


def recent_events(counties: list[OrgUnit], limit: int) -> list[AuthEvent]:
    """The latest events of the users holding any role in the given counties (newest first)."""
    units = select(OrgUnit.id).where(or_(*[OrgUnit.path.startswith(county.path) for county in counties]))
    people = select(RoleAssignment.user_id).where(RoleAssignment.org_unit_id.in_(units))
    return list(db.session.scalars(select(AuthEvent).where(AuthEvent.user_id.in_(people))
                                   .order_by(AuthEvent.id.desc()).limit(limit)))
