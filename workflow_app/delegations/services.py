"""Creating and revoking delegations. Flush only: the request's unit of work commits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from workflow_app.auth.models import User
from workflow_app.core.errors import UserError
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.delegations.models import Delegation
from workflow_app.delegations.queries import delegate_candidates, reviewer_units
from workflow_app.extensions import db


class DelegationError(UserError):
    """A delegation refused, with the reason for people."""


def create_delegation(delegator: User, delegate: User | None, starts_on: date, ends_on: date, *,
                      created_by: User, today: date | None = None) -> Delegation:
    today = today or china_today()
    if not reviewer_units(delegator):
        raise DelegationError(_l("Only a reviewer can delegate reviews."))
    if delegate is None or delegate.id == delegator.id or not delegate.is_active:
        raise DelegationError(_l("Choose another active user."))
    if delegate.id not in {user.id for user in delegate_candidates(delegator)}:
        raise DelegationError(_l("The delegate must belong to the same unit as you."))
    if ends_on < starts_on:
        raise DelegationError(_l("The last day comes before the first day."))
    if ends_on < today:
        raise DelegationError(_l("The date range is over already."))
    row = Delegation(delegator_id=delegator.id, delegate_id=delegate.id, starts_on=starts_on, ends_on=ends_on,
                     created_by_id=created_by.id, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def revoke_delegation(row: Delegation, actor: User) -> None:
    if actor.id not in (row.delegator_id, row.delegate_id, row.created_by_id):
        raise DelegationError(_l("You may not revoke this delegation."), status=403)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.flush()
