"""Who stands in for whom today, and the delegations a page lists."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from workflow_app.auth.models import RoleAssignment, User
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.orgs.models import OrgUnit


def active_delegators(delegate: User | None, day: date) -> list[User]:
    """Reviewers for whom ``delegate`` may act on ``day``."""
    if delegate is None:
        return []
    rows = db.session.scalars(select(Delegation).where(
        Delegation.delegate_id == delegate.id, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= day, Delegation.ends_on >= day))
    return [row.delegator for row in rows if row.delegator.is_active]


def reviewer_units(user: User) -> list[OrgUnit]:
    return [a.org_unit for a in user.assignments("reviewer")]


def delegate_candidates(user: User) -> list[User]:
    """Other active users with a role in one of the units ``user`` reviews for."""
    unit_ids = [unit.id for unit in reviewer_units(user)]
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.id != user.id, User.active.is_(True),
                           User.id.in_(select(RoleAssignment.user_id).where(RoleAssignment.org_unit_id.in_(unit_ids))))
        .order_by(User.display_name)))


def delegations_of(user: User) -> list[Delegation]:
    return list(db.session.scalars(
        select(Delegation).where(or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())).unique())
