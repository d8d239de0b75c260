"""Logging in and creating users."""

from __future__ import annotations

from sqlalchemy import select

from workflow_app.auth.models import ROLES, RoleAssignment, User
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_user(username: str, password: str, display_name: str,
                roles: list[tuple[str, OrgUnit]] = ()) -> User:
    """Add a user with role assignments; ``roles`` pairs a role with the unit it covers."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    user = User(username=username, display_name=display_name)
    user.set_password(password)
    for role, unit in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        user.roles.append(RoleAssignment(role=role, org_unit=unit))
    db.session.add(user)
    db.session.flush()
    return user


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: no scheme, no host, no protocol-relative ``//`` tricks, and no
    control characters (browsers drop tabs, so ``/<TAB>/evil`` would become ``//evil``)."""
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
