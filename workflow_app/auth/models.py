"""Users and their role assignments, each scoped to an org unit."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit

ROLES = ("submitter", "reviewer", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))  # for notification e-mail; optional
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set for accounts whose password someone else chose (command line, demo users in production):
    # every page leads to the change-password page until the user picks their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Part of the login session's identity: a password change bumps it, which ends every other
    # session of the account (a stolen cookie stops working too).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        # werkzeug's default is scrypt, a memory-hard scheme.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """What the session stores: the id and the session version (see ``session_version``)."""
        return f"{self.id}.{self.session_version or 1}"

    def assignments(self, role: str) -> list[RoleAssignment]:
        return [a for a in self.roles if a.role == role]

    def has_role(self, role: str) -> bool:
        return any(a.role == role for a in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    """``user`` holds ``role`` for ``org_unit`` and everything below it."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "org_unit_id", "role", name="uq_role_assignment_user_unit_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="roles")
    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.role}@{self.org_unit_id}>"


AUTH_EVENT_KINDS = ("login", "login_failed", "lockout", "login_locked", "logout", "password_changed",
                    "session_expired")


class AuthEvent(db.Model):
    """One login, failed login, lockout, logout or password change. Failed attempts keep the
    username as typed (``user_id`` is empty when nobody has that name); lockouts are read from here."""

    __tablename__ = "auth_event"
    __table_args__ = (Index("ix_auth_event_username_created_at", "username", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AuthEvent {self.kind} {self.username}>"
