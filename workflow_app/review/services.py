"""What the review area does: bulk review, reminders of overdue to-dos, and handing a leaver's reviews on.

Bulk review runs each nomination as a unit of work of its own (its own guards, its own audit row, its own
commit): a refusal is recorded and the next one is tried. Reminders are a scheduled job, one unit per user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from states.nomination import EVENT_LABELS, WORKFLOW, check_comment
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core import work
from workflow_app.core.errors import UserError
from workflow_app.core.http import parse_id
from workflow_app.core.timeutil import to_china, utcnow
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.services import perform_transition
from workflow_app.notifications import services as notifications
from workflow_app.notifications.models import Notification
from workflow_app.policy import can_view
from workflow_app.review.models import ReminderSent
from workflow_app.review.queries import overdue_clause, todo_filter

MAX_SELECTION = 200
REMINDER_HOUR = 8  # China time: reminders go out in the working day


class ReviewError(UserError):
    """A bulk review or reassignment refused, with the reason for people."""


# ---------------------------------------------------------------- bulk review
@dataclass
class Outcome:
    nomination_id: int
    nominee: str  # the name, or "#id" for a nomination the actor may not see
    reason: str = ""


@dataclass
class BulkResult:
    event: str
    succeeded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)


def bulk_events() -> list[str]:
    """The actions the workflow offers for many nominations at once."""
    return WORKFLOW.bulk_events()


def parse_ids(values) -> list[int]:
    """Distinct positive ids in the order given (at most MAX_SELECTION); junk is dropped."""
    ids: list[int] = []
    for value in values:
        number = parse_id(str(value).strip())  # ASCII digits within the column's range: "²" is no id
        if number is not None and number not in ids:
            ids.append(number)
    return ids[:MAX_SELECTION]


def check_request(event: str, comment: str, ids: list[int]) -> None:
    """Refuse what cannot be confirmed: no selection, an action not offered in bulk, or a comment the
    workflow's comment guards refuse for this action (a return without reason, unprintable characters)."""
    if event not in bulk_events():
        raise ReviewError(_l("Unknown action."))
    if not ids:
        raise ReviewError(_l("Select at least one nomination."))
    refusal = check_comment(event, comment)
    if refusal is not None:
        raise ReviewError(refusal)


def selection(actor: User, ids: list[int]) -> tuple[list[Nomination], list[int]]:
    """The selected nominations the actor may see (in the order given), and the other ids."""
    rows = {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.id.in_(ids))).unique()}
    visible = [rows[i] for i in ids if i in rows and can_view(actor, rows[i])]
    seen = {n.id for n in visible}
    return visible, [i for i in ids if i not in seen]


def bulk_review(actor: User, ids: list[int], event: str, comment: str = "", *,
                client_ip: str | None = None) -> BulkResult:
    """Perform ``event`` on each nomination, each in its own unit of work; returns what succeeded and why
    each other failed. Raises ReviewError when the request itself is refused (see ``check_request``)."""
    ids = parse_ids(ids)
    check_request(event, comment, ids)
    result = BulkResult(event=event)
    for nomination_id in ids:
        nomination = db.session.get(Nomination, nomination_id)
        if nomination is None or not can_view(actor, nomination):
            result.failed.append(Outcome(nomination_id, f"#{nomination_id}",
                                         str(_l("Not found, or outside your jurisdiction."))))
            continue
        name = nomination.nominee_name or f"#{nomination_id}"
        try:
            with work.unit():
                perform_transition(nomination, event, actor, comment or "", client_ip=client_ip)
        except UserError as refusal:
            result.failed.append(Outcome(nomination_id, name, str(refusal.message)))
        else:
            result.succeeded.append(Outcome(nomination_id, name))
    return result


def event_label(event: str) -> str:
    return str(EVENT_LABELS[event])


# ---------------------------------------------------------------- reminders (a scheduled job)
def send_reminders(*, now: datetime | None = None) -> int:
    """One reminder per user per China day for users with overdue to-dos; returns how many. Each user's
    reminder is a unit of its own: a run that meets another's row for today skips that user."""
    now = now or utcnow()
    today = to_china(now).date()
    overdue = overdue_clause(now)
    if db.session.scalar(select(func.count(Nomination.id)).where(overdue)) == 0:
        return 0
    done = set(db.session.scalars(select(ReminderSent.user_id).where(ReminderSent.day == today)))
    role_holders = select(RoleAssignment.user_id).where(RoleAssignment.role.in_(("reviewer", "submitter")))
    delegates = select(Delegation.delegate_id).where(Delegation.revoked_at.is_(None), Delegation.starts_on <= today,
                                                     Delegation.ends_on >= today)
    users = db.session.scalars(select(User).where(
        User.active.is_(True), or_(User.id.in_(role_holders), User.id.in_(delegates))).order_by(User.id)).all()
    sent = 0
    for user in users:
        if user.id in done:
            continue
        count = db.session.scalar(select(func.count(Nomination.id)).where(todo_filter(user), overdue)) or 0
        if not count:
            continue
        try:
            with work.unit():
                db.session.add(ReminderSent(user_id=user.id, day=today, overdue=count))
                notifications.add([Notification(user_id=user.id, nomination_id=None, kind="reminder",
                                                params={"count": count}, created_at=now)])
        except IntegrityError:  # another run got there first today
            continue
        sent += 1
    return sent


def send_daily_reminders(*, now: datetime | None = None) -> int:
    """The scheduler's reminder task: from 08:00 China time, not at midnight (then once a day, as above)."""
    now = now or utcnow()
    return send_reminders(now=now) if to_china(now).hour >= REMINDER_HOUR else 0


# ---------------------------------------------------------------- reassignment
def reassign_reviewer(assignment: RoleAssignment, successor: User, *, deactivate: bool) -> None:
    """Move a reviewer role (and with it the to-dos it brings) to ``successor``."""
    leaver = assignment.user
    if assignment.role != "reviewer":
        raise ReviewError(_l("Only reviewer roles are reassigned here."))
    if successor.id == leaver.id or not successor.is_active:
        raise ReviewError(_l("Choose another active user."))
    if any(a.org_unit_id == assignment.org_unit_id for a in successor.assignments("reviewer")):
        db.session.delete(assignment)  # the successor already holds it: the leaver's copy goes
    else:
        assignment.user = successor
    if deactivate:
        leaver.active = False
    db.session.flush()
