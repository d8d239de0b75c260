"""Delegation: a reviewer lets a colleague of the same unit act for them for a date range."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from workflow_app.auth.models import User
from workflow_app.extensions import db
from workflow_app.notifications.models import Delegation


def active_delegators(delegate: User | None, day: date) -> list[User]:
    """Reviewers for whom ``delegate`` may act on ``day``."""
    if delegate is None:
        return []
    rows = db.session.scalars(select(Delegation).where(
        Delegation.delegate_id == delegate.id, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= day, Delegation.ends_on >= day))
    return [row.delegator for row in rows if row.delegator.is_active]
