"""Notifications after a transition, daily reminders, late units, delegation and reassignment.

Everything that leaves the process (a notification row others can read, an e-mail) happens
only after the transition has committed: ``notify_transition`` is called with the committed
audit row, by ``nominations.services.perform_transition`` and by any other code that fires.
Notifications store a kind and parameters and are worded when shown, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, event, false, func, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from states.nomination import IN_REVIEW, LEVEL_OF_STATE
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import Campaign
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications import mail as mailer
from workflow_app.notifications.models import Delegation, Notification, ReminderSent
from workflow_app.orgs.models import OrgUnit

DEFAULT_LOCALE = "zh_Hans_CN"
# To-dos that can be late: reviews waiting at a level, and returned nominations waiting for the chair.
WAITING_STATES = (*IN_REVIEW, "returned")


class NotificationError(ValueError):
    """A refusal whose message is for people."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# ---------------------------------------------------------------- wording (at display time)
def message(kind: str, params: dict) -> str:
    """The notification in the current locale (the reader's own, on their pages and e-mail)."""
    p = {"nominee": "", "unit": "", "actor": "", "count": 0, **(params or {})}
    if p.get("on_behalf_of"):
        p["actor"] = _("%(actor)s on behalf of %(delegator)s", actor=p["actor"], delegator=p["on_behalf_of"])
    if kind == "todo":
        return _("New to-do: %(nominee)s (%(unit)s) waits for your review.", **p)
    if kind == "returned":
        return _("%(nominee)s was returned for revision by %(actor)s.", **p)
    if kind == "rejected":
        return _("%(nominee)s was rejected by %(actor)s.", **p)
    if kind == "objection":
        return _("An objection was received against %(nominee)s (%(unit)s) during the public notice.", **p)
    if kind == "approved" and p.get("state") == "public_notice":
        return _("%(nominee)s was approved by the county and is now under public notice.", **p)
    if kind == "approved":
        return _("The public notice of %(nominee)s ended without objection: approved.", **p)
    if kind == "certified":
        return _("The certificate of %(nominee)s (%(unit)s) was issued.", **p)
    if kind == "reminder":
        return _("Reminder: %(count)d to-do(s) have waited longer than the campaign allows.", **p)
    return kind


def subject(kind: str, params: dict) -> str:
    titles = {
        "todo": _l("New to-do"),
        "returned": _l("Returned for revision"),
        "rejected": _l("Rejected"),
        "objection": _l("Objection received"),
        "approved": _l("Approved"),
        "certified": _l("Certificate issued"),
        "reminder": _l("Overdue to-dos"),
    }
    title = str(titles.get(kind, kind))
    if params.get("nominee"):
        return _("%(title)s: %(nominee)s", title=title, nominee=params["nominee"])
    return title


# ---------------------------------------------------------------- who is concerned
def reviewers_at(level: str, unit: OrgUnit) -> list[User]:
    """Active reviewers of ``level`` whose unit contains ``unit`` (one query)."""
    rows = db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role == "reviewer", OrgUnit.level == level, OrgUnit.id.in_(unit.ancestor_ids),
               User.active.is_(True))
    ).unique().all()
    return list(rows)


def delegates_of(users: Iterable[User], day: date) -> list[User]:
    """Active delegates standing in for ``users`` on ``day``."""
    ids = [user.id for user in users]
    if not ids:
        return []
    rows = db.session.scalars(select(Delegation).where(
        Delegation.delegator_id.in_(ids), Delegation.revoked_at.is_(None),
        Delegation.starts_on <= day, Delegation.ends_on >= day)).unique().all()
    return [row.delegate for row in rows if row.delegate.is_active]


def _chair(nomination: Nomination) -> list[User]:
    chair = nomination.submitted_by or nomination.created_by
    return [chair] if chair is not None and chair.is_active else []


def recipients(entry: AuditEntry, nomination: Nomination, day: date) -> list[tuple[str, User]]:
    """(kind, user) pairs concerned by the transition ``entry`` records."""
    pairs: list[tuple[str, User]] = []
    if entry.event == "raise_objection":
        pairs = [("objection", user) for user in reviewers_at("county", nomination.org_unit)]
    elif entry.to_state in IN_REVIEW:
        own = {nomination.created_by_id, nomination.submitted_by_id}
        reviewers = [u for u in reviewers_at(LEVEL_OF_STATE[entry.to_state], nomination.org_unit) if u.id not in own]
        pairs = [("todo", user) for user in [*reviewers, *delegates_of(reviewers, day)] if user.id not in own]
    elif entry.to_state in ("returned", "rejected"):
        pairs = [(entry.to_state, user) for user in _chair(nomination)]
    elif (entry.to_state == "public_notice" and entry.event == "approve") or entry.to_state == "approved":
        pairs = [("approved", user) for user in _chair(nomination)]
    elif entry.to_state == "certified":
        pairs = [("certified", user) for user in _chair(nomination)]
    seen: set[int] = set()
    result = []
    for kind, user in pairs:
        if user.id != entry.actor_id and user.id not in seen:
            seen.add(user.id)
            result.append((kind, user))
    return result


def _params(entry: AuditEntry, nomination: Nomination) -> dict:
    return {
        "nominee": nomination.nominee_name,
        "unit": nomination.org_unit.name,
        "actor": entry.actor_name,
        "on_behalf_of": entry.on_behalf_of_name,
        "event": entry.event,
        "state": entry.to_state,
        "comment": entry.comment,
        "audit_entry_id": entry.id,
    }


# ---------------------------------------------------------------- after commit
_UNCOMMITTED = "uncommitted_audit_ids"


@event.listens_for(Session, "after_flush")
def _remember_flushed_audit(session, _flush_context) -> None:
    """Audit rows written but not yet committed: notify_transition refuses them."""
    ids = {obj.id for obj in session.new if isinstance(obj, AuditEntry)}
    if ids:
        session.info.setdefault(_UNCOMMITTED, set()).update(ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_flushed_audit(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction committed or rolled back
        session.info.pop(_UNCOMMITTED, None)


def _assert_committed(entry: AuditEntry) -> None:
    state = inspect(entry)
    if state.transient or state.pending or entry.id in db.session.info.get(_UNCOMMITTED, ()):
        raise RuntimeError("notify_transition() runs after the transition has committed; commit first")


def notify_transition(entry: AuditEntry, *, day: date | None = None) -> list[Notification]:
    """Notify the people concerned by a committed transition, in the app and by e-mail.

    Call it after ``db.session.commit()``; it commits its own rows, then sends e-mail. A
    failure here is logged and swallowed: the transition it reports stands."""
    _assert_committed(entry)
    try:
        nomination = db.session.get(Nomination, entry.nomination_id)
        rows = [Notification(user_id=user.id, nomination_id=nomination.id, kind=kind,
                             params=_params(entry, nomination), created_at=utcnow())
                for kind, user in recipients(entry, nomination, day or china_today())]
        if not rows:
            return []
        db.session.add_all(rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("notifications for audit entry %s failed", getattr(entry, "id", "?"))
        return []
    email_notifications(rows)
    return rows


def _link(nomination_id: int | None) -> str:
    path = f"/nominations/{nomination_id}" if nomination_id else "/todo/"
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/") + path


def email_notifications(rows: list[Notification]) -> None:
    """E-mail the notifications whose reader has an address; never raises."""
    if not rows or not mailer.mail_configured():
        return
    try:
        users = {user.id: user for user in db.session.scalars(
            select(User).where(User.id.in_({row.user_id for row in rows})))}
        chosen, mails = [], []
        for row in rows:
            user = users.get(row.user_id)
            if user is None or not user.email:
                continue
            with force_locale(user.locale or DEFAULT_LOCALE):
                mails.append(mailer.Mail(to=user.email, subject=subject(row.kind, row.params),
                                         body=f"{message(row.kind, row.params)}\n\n{_link(row.nomination_id)}\n"))
            chosen.append(row)
        sent = mailer.send_all(mails)
        now = utcnow()
        for row, ok in zip(chosen, sent, strict=True):
            if ok:
                row.emailed_at = now
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("notification e-mail failed")


# E-mail that failed (the SMTP server down, a timeout) is sent again by ``reminders resend-email`` for this
# long; older news is left to the in-app notification the reader already has.
RESEND_WITHIN = timedelta(days=2)


def resend_unsent_email(*, now: datetime | None = None) -> int:
    """Send again the e-mail of recent notifications that never went out; returns how many went now.

    Only rows whose reader has an address count (the others were never meant to be e-mailed); each row
    is marked when its mail is accepted, so running this again sends nothing twice."""
    if not mailer.mail_configured():
        return 0
    now = now or utcnow()
    rows = list(db.session.scalars(
        select(Notification).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= now - RESEND_WITHIN,
               User.email.is_not(None), User.email != "")
        .order_by(Notification.id)))
    email_notifications(rows)
    return sum(row.emailed_at is not None for row in rows)


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


# ---------------------------------------------------------------- overdue to-dos
def waiting_since():
    """When a nomination started waiting (rows older than ``state_since`` use their last update)."""
    return func.coalesce(Nomination.state_since, Nomination.updated_at)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """To-dos waiting longer than their campaign's ``reminder_days`` (0 turns reminders off).
    One small query for the distinct settings; the clause itself is plain SQL on any database."""
    settings = db.session.scalars(select(Campaign.reminder_days).distinct()).all()
    parts = [
        and_(Nomination.campaign_id.in_(select(Campaign.id).where(Campaign.reminder_days == days)),
             waiting_since() < now - timedelta(days=days))
        for days in settings if days and days > 0
    ]
    return and_(Nomination.state.in_(WAITING_STATES), or_(*parts)) if parts else false()


def overdue_from(nomination: Nomination) -> datetime | None:
    """The moment after which ``nomination`` counts as overdue, or None when it never will as it is."""
    days = nomination.campaign.reminder_days
    since = nomination.state_since or nomination.updated_at
    if nomination.state not in WAITING_STATES or not days or days <= 0 or since is None:
        return None
    return since + timedelta(days=days)


def is_overdue(nomination: Nomination, now: datetime) -> bool:
    """The same rule as ``overdue_clause``, for rows already loaded."""
    moment = overdue_from(nomination)
    return moment is not None and moment < now


def send_reminders(*, now: datetime | None = None) -> int:
    """One reminder per user per China day for users with overdue to-dos; returns how many."""
    from workflow_app.policy import todo_filter

    now = now or utcnow()
    today = _china_day(now)
    overdue = overdue_clause(now)
    if db.session.scalar(select(func.count(Nomination.id)).where(overdue)) == 0:
        return 0
    done = set(db.session.scalars(select(ReminderSent.user_id).where(ReminderSent.day == today)))
    role_holders = select(RoleAssignment.user_id).where(RoleAssignment.role.in_(("reviewer", "submitter")))
    delegates = select(Delegation.delegate_id).where(Delegation.revoked_at.is_(None), Delegation.starts_on <= today,
                                                     Delegation.ends_on >= today)
    users = db.session.scalars(select(User).where(
        User.active.is_(True), or_(User.id.in_(role_holders), User.id.in_(delegates))).order_by(User.id)).all()
    created = []
    for user in users:
        if user.id in done:
            continue
        count = db.session.scalar(select(func.count(Nomination.id)).where(todo_filter(user), overdue)) or 0
        if not count:
            continue
        row = Notification(user_id=user.id, nomination_id=None, kind="reminder", params={"count": count},
                           created_at=now)
        db.session.add_all([ReminderSent(user_id=user.id, day=today, overdue=count), row])
        try:
            db.session.commit()
        except IntegrityError:  # another run got there first today
            db.session.rollback()
            continue
        created.append(row)
    email_notifications(created)
    return len(created)


def _china_day(moment: datetime) -> date:
    from workflow_app.core.timeutil import to_china

    return to_china(moment).date()


@dataclass
class LateUnit:
    unit: OrgUnit
    overdue: int
    oldest_days: int


def late_units(county: OrgUnit, now: datetime | None = None) -> list[LateUnit]:
    """Units with overdue to-dos in ``county``: the unit that must act (the reviewing level's
    unit, or the branch for a returned nomination). Three queries, whatever the numbers."""
    now = now or utcnow()
    in_county = select(OrgUnit.id).where(OrgUnit.path.startswith(county.path))
    groups = db.session.execute(
        select(Nomination.org_unit_id, Nomination.state, func.count(Nomination.id), func.min(waiting_since()))
        .where(overdue_clause(now), Nomination.org_unit_id.in_(in_county))
        .group_by(Nomination.org_unit_id, Nomination.state)
    ).all()
    if not groups:
        return []
    units = {unit.id: unit for unit in db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(county.path)))}
    totals: dict[int, list] = {}
    for unit_id, state, count, oldest in groups:
        unit = units[unit_id]
        level = LEVEL_OF_STATE.get(state)
        if level is not None:
            responsible = next((units[i] for i in unit.ancestor_ids if i in units and units[i].level == level), unit)
        else:
            responsible = unit
        if oldest is not None and oldest.tzinfo is None:  # an aggregate comes back without the column type
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        entry = totals.setdefault(responsible.id, [responsible, 0, oldest])
        entry[1] += count
        entry[2] = min(entry[2], oldest)
    result = [LateUnit(unit, count, (now - oldest).days) for unit, count, oldest in totals.values()]
    return sorted(result, key=lambda row: (-row.oldest_days, -row.overdue, row.unit.path))


# ---------------------------------------------------------------- delegation
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


def create_delegation(delegator: User, delegate: User | None, starts_on: date, ends_on: date, *,
                      created_by: User, today: date | None = None) -> Delegation:
    today = today or china_today()
    if not reviewer_units(delegator):
        raise NotificationError(_l("Only a reviewer can delegate reviews."))
    if delegate is None or delegate.id == delegator.id or not delegate.is_active:
        raise NotificationError(_l("Choose another active user."))
    if delegate.id not in {user.id for user in delegate_candidates(delegator)}:
        raise NotificationError(_l("The delegate must belong to the same unit as you."))
    if ends_on < starts_on:
        raise NotificationError(_l("The last day comes before the first day."))
    if ends_on < today:
        raise NotificationError(_l("The date range is over already."))
    row = Delegation(delegator_id=delegator.id, delegate_id=delegate.id, starts_on=starts_on, ends_on=ends_on,
                     created_by_id=created_by.id, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def revoke_delegation(row: Delegation, actor: User) -> None:
    if actor.id not in (row.delegator_id, row.delegate_id, row.created_by_id):
        raise NotificationError(_l("You may not revoke this delegation."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.flush()


def delegations_of(user: User) -> list[Delegation]:
    return list(db.session.scalars(
        select(Delegation).where(or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())).unique())


# ---------------------------------------------------------------- reassignment
def reassign_reviewer(assignment: RoleAssignment, successor: User, *, deactivate: bool) -> None:
    """Move a reviewer role (and with it the to-dos it brings) to ``successor``."""
    leaver = assignment.user
    if assignment.role != "reviewer":
        raise NotificationError(_l("Only reviewer roles are reassigned here."))
    if successor.id == leaver.id or not successor.is_active:
        raise NotificationError(_l("Choose another active user."))
    if any(a.org_unit_id == assignment.org_unit_id for a in successor.assignments("reviewer")):
        db.session.delete(assignment)  # the successor already holds it: the leaver's copy goes
    else:
        assignment.user = successor
    if deactivate:
        leaver.active = False
    db.session.flush()
