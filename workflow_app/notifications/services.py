"""Notifications: who hears of a transition, the wording in the reader's language, and the e-mail outbox.

The notification rows of a transition are written in the transition's own transaction (a subscriber of
``states.engine.transitioned``): the state change, its audit row and its news commit together or not at
all. E-mail leaves afterwards, from the rows: the unit's after-commit queue hands their ids to the job
queue (RQ when Redis is configured, else delivered in this process once the request has committed), and a
row is claimed before its mail is sent and marked when the server accepted it. A failing SMTP server or a
process killed right after the commit therefore loses nothing — ``deliver_unsent`` (the scheduler, or
cron) sends what is still unsent — and sends nothing twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from states.engine import transitioned
from states.nomination import IN_REVIEW, LEVEL_OF_STATE
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core import faults, work
from workflow_app.core.timeutil import utcnow
from workflow_app.delegations.models import Delegation
from workflow_app.extensions import db
from workflow_app.jobs.queue import enqueue_task
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications import mail as mailer
from workflow_app.notifications.models import Notification
from workflow_app.orgs.models import OrgUnit

log = logging.getLogger(__name__)
DEFAULT_LOCALE = "zh_Hans_CN"
# A claimed row whose mail was neither accepted nor given back this long ago belonged to a process that died.
CLAIM_LEASE = timedelta(minutes=10)
# E-mail that failed (the SMTP server down, a timeout) is sent again for this long; older news is left to the
# in-app notification the reader already has.
RESEND_WITHIN = timedelta(days=2)


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
    if kind == "level_return":
        return _("%(nominee)s (%(unit)s) was returned to your level by %(actor)s: please review it again.", **p)
    if kind == "recalled":
        return _("%(actor)s recalled the approval of %(nominee)s (%(unit)s): it waits at your level again.", **p)
    if kind == "recalled_away":
        return _("%(actor)s recalled the approval of %(nominee)s (%(unit)s): it no longer waits for your review.",
                 **p)
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
        "level_return": _l("Returned to your level"),
        "recalled": _l("Approval recalled"),
        "recalled_away": _l("Approval recalled"),
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


def reviewing_at(state: str, nomination: Nomination, day: date) -> list[User]:
    """Who reviews ``nomination`` in ``state`` (a review state): that level's reviewers and their delegates
    today, never the nomination's own submitter."""
    own = {nomination.created_by_id, nomination.submitted_by_id}
    reviewers = [u for u in reviewers_at(LEVEL_OF_STATE[state], nomination.org_unit) if u.id not in own]
    return [user for user in [*reviewers, *delegates_of(reviewers, day)] if user.id not in own]


def recipients(entry: AuditEntry, nomination: Nomination, day: date) -> list[tuple[str, User]]:
    """(kind, user) pairs concerned by the transition ``entry`` records (a kind has at most 16 characters)."""
    pairs: list[tuple[str, User]] = []
    if entry.event == "raise_objection":
        pairs = [("objection", user) for user in reviewers_at("county", nomination.org_unit)]
    elif entry.event == "return_to_level":
        pairs = [("level_return", user) for user in reviewing_at(entry.to_state, nomination, day)]
    elif entry.event == "recall_approval":  # the recaller's level has it again; the next level no longer
        pairs = [("recalled", user) for user in reviewing_at(entry.to_state, nomination, day)]
        pairs += [("recalled_away", user) for user in reviewing_at(entry.from_state, nomination, day)]
    elif entry.to_state in IN_REVIEW:
        pairs = [("todo", user) for user in reviewing_at(entry.to_state, nomination, day)]
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


# ---------------------------------------------------------------- the outbox
@transitioned.connect_via("nomination")
def notify_transition(_sender, *, row: Nomination, ctx, entry: AuditEntry, **_extra) -> list[Notification]:
    """The people concerned by a transition hear of it: rows in the transition's own transaction, e-mailed
    once it has committed."""
    rows = [Notification(user_id=user.id, nomination_id=row.id, kind=kind, params=_params(entry, row),
                         created_at=utcnow())
            for kind, user in recipients(entry, row, ctx.today)]
    if rows:
        add(rows)
    return rows


def add(rows: list[Notification]) -> None:
    """Store notifications in the current unit of work; their e-mail leaves once it has committed."""
    db.session.add_all(rows)
    db.session.flush()
    if mailer.mail_configured():
        work.after_commit(send_email_later, [row.id for row in rows], link_base())


def link_base() -> str:
    """The address mail links start with: the configured public one, else this request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/")


def send_email_later(ids: list[int], base: str) -> None:
    """After the commit: to the job queue (with retries) when there is one, else here and now."""
    faults.reached("transition.committed")
    if not enqueue_task("workflow_app.notifications.services:deliver_email_task", ids, base,
                        description=f"e-mail for notifications {ids[0]}…", retries=(30, 120, 600)):
        deliver_email(ids, base)


def deliver_email_task(ids: list[int], base: str) -> None:
    """The queued job: deliver, and fail (so that RQ retries later) while some mail did not go out."""
    left = deliver_email(ids, base)
    if left:
        raise RuntimeError(f"{left} notification e-mail(s) not accepted yet; retried later")


def _claim(ids: list[int], now: datetime) -> list[int]:
    """Take the rows still unsent and not being sent by another process (one UPDATE, committed at once):
    two deliveries of the same ids send each mail once."""
    claim = secrets.token_hex(16)
    claimable = (Notification.id.in_(ids), Notification.emailed_at.is_(None),
                 or_(Notification.email_claimed_at.is_(None), Notification.email_claimed_at < now - CLAIM_LEASE))
    with work.unit():
        db.session.execute(update(Notification).where(*claimable).values(email_claim=claim, email_claimed_at=now))
    return list(db.session.scalars(select(Notification.id).where(Notification.id.in_(ids),
                                                                  Notification.email_claim == claim)))


def deliver_email(ids: list[int], base: str = "", *, now: datetime | None = None) -> int:
    """Send the e-mail of these notifications whose reader has an address; returns how many are still
    unsent. Each row is claimed first and marked sent when the server accepted its mail (or given back
    when it did not, for the next attempt)."""
    if not ids or not mailer.mail_configured():
        return 0
    claimed = _claim(ids, now or utcnow())
    if not claimed:
        return 0
    rows = list(db.session.scalars(select(Notification).where(Notification.id.in_(claimed)).order_by(Notification.id)))
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))}
    chosen, mails = [], []
    for row in rows:
        user = users.get(row.user_id)
        if user is None or not user.email:
            continue
        path = f"/nominations/{row.nomination_id}" if row.nomination_id else "/todo/"
        with force_locale(user.locale or DEFAULT_LOCALE):
            mails.append(mailer.Mail(to=user.email, subject=subject(row.kind, row.params),
                                     body=f"{message(row.kind, row.params)}\n\n{base or link_base()}{path}\n",
                                     key=f"notification-{row.id}"))
        chosen.append(row)
    sent = mailer.send_all(mails)
    with work.unit():
        for row, ok in zip(chosen, sent, strict=True):
            if ok:
                row.emailed_at = utcnow()
            else:
                row.email_claim = row.email_claimed_at = None  # given back: the next attempt takes it
        for row in rows:
            if row not in chosen:
                row.email_claim = row.email_claimed_at = None  # no address (any more): nothing to send
    return sum(not ok for ok in sent)


def deliver_unsent(*, now: datetime | None = None, base: str = "") -> int:
    """Send the e-mail of recent notifications that never went out (the scheduler's sweep, cron's
    ``reminders resend-email``); returns how many went now."""
    if not mailer.mail_configured():
        return 0
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(Notification.id).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.created_at >= now - RESEND_WITHIN,
               User.email.is_not(None), User.email != "")
        .order_by(Notification.id)))
    if not ids:
        return 0
    before = len(ids)
    left = deliver_email(ids, base, now=now)
    sent = db.session.scalar(select(func.count(Notification.id)).where(Notification.id.in_(ids),
                                                                       Notification.emailed_at.is_not(None))) or 0
    log.info("resent %s of %s unsent notification e-mails (%s left)", sent, before, left)
    return sent


def mark_read(row: Notification) -> None:
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))


def save_email_address(user: User, address: str | None) -> None:
    """Where notification e-mail goes (none: in the app only)."""
    user.email = (address or "").strip() or None
    db.session.flush()


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0

