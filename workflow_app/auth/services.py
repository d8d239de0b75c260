"""Logging in, creating users and changing passwords."""

from __future__ import annotations

from sqlalchemy import select

from workflow_app.auth.models import ROLES, RoleAssignment, User
from workflow_app.auth.passwords import check_password_policy
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == (username or "").strip()))


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_user(username: str, password: str, display_name: str,
                roles: list[tuple[str, OrgUnit]] = (), *, must_change_password: bool = False,
                enforce_policy: bool = True) -> User:
    """Add a user with role assignments; ``roles`` pairs a role with the unit it covers.
    ``must_change_password`` for a password someone else chose; ``enforce_policy`` is off only for
    the demo's published password (the demo flags those accounts outside demo mode)."""
    if enforce_policy:
        check_password_policy(password, username)
    user = User(username=username, display_name=display_name, must_change_password=must_change_password)
    user.set_password(password)
    for role, unit in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user.roles.append(RoleAssignment(role=role, org_unit=unit))
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set the user's own new password: checked against the policy and the current one; ends the
    account's other sessions (the session version changes). Flushes; the caller commits."""
    check_password_policy(new_password, user.username)
    user.set_password(new_password)
    user.must_change_password = False
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: no scheme, no host, no protocol-relative ``//`` tricks, and no
    control characters (browsers drop tabs, so ``/<TAB>/evil`` would become ``//evil``)."""
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def save_locale(user: User, locale: str) -> None:
    """The user's own choice of language, for every page and e-mail from now on."""
    user.locale = locale
    db.session.flush()
