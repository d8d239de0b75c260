"""Public notice (公示): closing notices that are over, objections, and what the public page lists.

Plain functions that flush. ``close_due_notices`` is a scheduled job, not something a page does: it runs
each close as a unit of work of its own. Until it has run, every read already treats a notice whose last
day is over as over (``notice_is_over``): the public list leaves it out, objections are refused, the county
sees it waiting to be recorded."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from states.nomination import ConcurrentChange, TransitionRefused, fire
from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.core import timeutil, work
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.services import NominationError, store_upload, upload_folder
from workflow_app.notice.models import Holiday, Objection
from workflow_app.notice.rules import notice_is_over, notice_over_message, open_objections
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import ancestor_at_level

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"online": _l("Online"), "phone": _l("Phone"), "letter": _l("Letter")}
STATUS_LABELS = {"open": _l("Under investigation"), "upheld": _l("Upheld"), "dismissed": _l("Dismissed")}
RESULT_LABELS = {"no_objection": _l("No objection (公示无异议)"), "objection_upheld": _l("Objection upheld")}


# ---------------------------------------------------------------- closing
def due_notice_ids(today: date) -> list[int]:
    """Nominations under notice whose last day (24:00 China time) is before ``today``. Ordered by that day
    (then id) so the ``(state, notice_ends_on)`` index answers alone: the pages ask on every view."""
    return list(db.session.scalars(
        select(Nomination.id).where(Nomination.state == "public_notice", Nomination.notice_ends_on < today)
        .order_by(Nomination.notice_ends_on, Nomination.id)))


def close_due_notices(today: date | None = None) -> int:
    """End every notice whose period is over, as the system; returns how many this call closed.

    The scheduler runs it every minute (``flask --app wsgi scheduler``, or cron's ``notices close``). Each
    close is a unit of work of its own; a close someone else made first (the version column refuses the
    second write) or one no longer possible is skipped, so every notice ends exactly once — with one audit
    row, by the system — however many of these run together."""
    today = today or timeutil.china_today()
    closed = 0
    for nomination_id in due_notice_ids(today):
        try:
            with work.unit():
                nomination = db.session.get(Nomination, nomination_id)
                if nomination is None or nomination.state != "public_notice":
                    continue
                fire(nomination, "end_notice", None, today=today)
            closed += 1
        except (ConcurrentChange, TransitionRefused) as reason:
            log.info("notice of nomination %s not closed here: %s", nomination_id, reason)
    return closed


# ---------------------------------------------------------------- the public page
@dataclass
class NoticeRow:
    nomination: Nomination
    unit: str
    township: str
    honor: str


def township_name(unit: OrgUnit) -> str:
    township = ancestor_at_level(unit, "township")
    return township.name if township is not None else str(_l("County-direct"))


NOTICE_PAGE_SIZE = 100  # nominees per page of the public list: it is public, so no request may ask for all


def _notice_query(campaign_id: int | None, today: date | None = None):
    """Nominations under a notice that still runs today (one whose last day is over has ended, recorded or
    not yet)."""
    runs = Nomination.notice_ends_on >= (today or timeutil.china_today())
    query = (select(Nomination).join(Nomination.campaign).join(Nomination.honor_type)
             .where(Nomination.state == "public_notice", runs))
    return query.where(Nomination.campaign_id == campaign_id) if campaign_id is not None else query


def notice_count(campaign_id: int | None = None, today: date | None = None) -> int:
    return db.session.scalar(_notice_query(campaign_id, today).with_only_columns(func.count())) or 0


def notice_rows(campaign_id: int | None = None, *, limit: int | None = None, offset: int = 0,
                today: date | None = None) -> list[tuple[Campaign, list[NoticeRow]]]:
    """Per campaign, the nominations under public notice, in honor, township and name order (``limit``
    of them from ``offset``). Only what a notice may publish is taken: never ID numbers, phones or birth
    dates. The townships of all rows come in one query, not one per row."""
    query = _notice_query(campaign_id, today).order_by(Campaign.year.desc(), Campaign.id, HonorType.sort_order,
                                                 Nomination.quota_unit_id, Nomination.nominee_name, Nomination.id)
    nominations = list(db.session.scalars(query.limit(limit).offset(offset)))
    above = {ancestor for n in nominations for ancestor in n.org_unit.ancestor_ids}
    townships = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_(above), OrgUnit.level == "township")).all()) if above else {}
    direct = str(_l("County-direct"))
    grouped: dict[int, tuple[Campaign, list[NoticeRow]]] = {}
    for nomination in nominations:
        unit = (nomination.work_unit if nomination.is_person else None) or nomination.org_unit.name
        township = next((townships[i] for i in nomination.org_unit.ancestor_ids if i in townships), direct)
        row = NoticeRow(nomination=nomination, unit=unit, township=township, honor=nomination.honor_type.name)
        grouped.setdefault(nomination.campaign_id, (nomination.campaign, []))[1].append(row)
    return list(grouped.values())


def period_of(rows: list[NoticeRow]) -> tuple[date | None, date | None]:
    """The span of a list's notice periods (they differ when the county approved on different days)."""
    starts = [r.nomination.notice_starts_on for r in rows if r.nomination.notice_starts_on]
    ends = [r.nomination.notice_ends_on for r in rows if r.nomination.notice_ends_on]
    return (min(starts) if starts else None, max(ends) if ends else None)


# ---------------------------------------------------------------- who sees objectors
def may_see_objector(user, nomination: Nomination) -> bool:
    """County reviewers and county administrators over the nominating unit; nobody else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(a.role in ("reviewer", "admin") and a.org_unit.level == "county" and a.org_unit.contains(
        nomination.org_unit) for a in user.roles)


def may_enter_objection(user, nomination: Nomination) -> bool:
    """A county reviewer over the nominating unit enters objections received by phone or letter."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(a.role == "reviewer" and a.org_unit.level == "county" and a.org_unit.contains(nomination.org_unit)
               for a in user.roles)


def objections_of(nomination: Nomination) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.nomination_id == nomination.id)
                                   .order_by(Objection.id)))


def accepts_objections(nomination: Nomination, today: date | None = None) -> bool:
    """Under a notice that still runs, or already under investigation for an earlier objection (it joins
    that one)."""
    if nomination.state == "public_notice":
        return not notice_is_over(nomination, today or timeutil.china_today())
    return nomination.state == "county_review" and bool(open_objections(nomination))


# ---------------------------------------------------------------- bot protection
def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt="notice-objection-form")


def form_token(nomination_id: int, issued_at: int | None = None) -> str:
    """A signed "this form was shown for this nomination at this time" for the hidden field, with a
    random key of its own: the same form sent twice is recorded once (``submission_key``)."""
    issued = int(time.time()) if issued_at is None else int(issued_at)
    return _signer().sign(f"{nomination_id}.{issued}.{uuid.uuid4().hex}").decode()


def _read_token(token: str | None) -> tuple[int, int, str | None] | None:
    """(nomination id, time shown, form key) from a token we signed, or None."""
    try:
        parts = _signer().unsign(token or "").decode().split(".")
        if len(parts) not in (2, 3):  # two: a form shown before the key was added
            return None
        return int(parts[0]), int(parts[1]), parts[2] if len(parts) == 3 else None
    except (BadSignature, ValueError, UnicodeDecodeError):
        return None


def submission_key(token: str | None) -> str | None:
    read = _read_token(token)
    return read[2] if read else None


def token_problem(token: str | None, nomination_id: int, now: float | None = None):
    """None when the form was shown by us, for this nomination, long enough ago (a person reads and
    writes; a bot posts at once) and not too long ago; else a reason for the person."""
    now = time.time() if now is None else now
    read = _read_token(token)
    if read is None:
        return _l("The form could not be accepted. Please load it again and resend.")
    shown_for, issued, _key = read
    if shown_for != nomination_id:
        return _l("The form could not be accepted. Please load it again and resend.")
    age = now - issued
    if age < current_app.config["OBJECTION_MIN_SECONDS"]:
        return _l("The form was sent too quickly. Please check it and send it again.")
    if age > current_app.config["OBJECTION_MAX_SECONDS"]:
        return _l("The form has expired. Please send it again.")
    return None


# ---------------------------------------------------------------- recording objections
def _store_attachment(upload) -> tuple[str, str, str] | None:
    """(name, type, storage name) of a checked upload, or None when there is none."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    stored = store_upload(upload)
    return stored.name, stored.content_type, stored.storage_name


def record_objection(nomination: Nomination, *, name: str, contact: str, text: str, upload=None,
                     channel: str = "online", entered_by: User | None = None,
                     client_ip: str | None = None, key: str | None = None) -> Objection:
    """Store the objection and send the nomination back to county review, in one transaction.

    Under notice, ``raise_objection`` fires as the public (or the county reviewer who entered a call or
    letter); the machine refuses it once the notice's last day is over, whether or not the scheduled job
    has recorded the end. A nomination already under investigation takes the objection into the same
    investigation. Raises a UserError (the file, the notice over, a lost race); the unit of work then keeps
    nothing. ``key`` is the form's: the same form sent again returns the objection it recorded."""
    if (twin := objection_with(key)) is not None:
        return twin
    today = timeutil.china_today()
    if notice_is_over(nomination, today):
        raise NominationError(notice_over_message(nomination), code="notice_over")
    if not accepts_objections(nomination, today):
        raise NominationError(_l("This nominee is not under public notice; objections are closed."))
    stored = _store_attachment(upload)
    objection = Objection(nomination_id=nomination.id, objector_name=name.strip(),
                          objector_contact=contact.strip(), text=text.strip(), channel=channel,
                          entered_by_id=entered_by.id if entered_by else None, client_ip=client_ip,
                          created_at=timeutil.utcnow(), status="open", submission_key=key)
    if stored:
        objection.attachment_name, objection.attachment_type, objection.attachment_storage = stored
    if nomination.state == "county_review":
        # Joins the open investigation: a dismissal resumes with the days left when it was paused.
        objection.days_left = min((o.days_left for o in open_objections(nomination) if o.days_left is not None),
                                  default=None)
    db.session.add(objection)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent at the same moment, was recorded by the other request
        raise SentTwice(key) from None
    if nomination.state == "public_notice":
        # The public acts as nobody (the system); a county reviewer entering a call or letter acts as themself.
        fire(nomination, "raise_objection", entered_by, client_ip=client_ip, today=today)
    return objection


class SentTwice(NominationError):
    """The same objection form arrived twice at once and the other request recorded it: after the rollback,
    ``objection_with(key)`` finds it."""

    def __init__(self, key: str | None):
        super().__init__(_l("This objection was already received."), code="duplicate", category="info")
        self.key = key


def objection_with(key: str | None) -> Objection | None:
    if key is None:
        return None
    return db.session.scalar(select(Objection).where(Objection.submission_key == key))


def objection_file(objection: Objection):
    return upload_folder() / objection.attachment_storage


# ---------------------------------------------------------------- the nomination page
@dataclass
class NominationPanel:
    """What the nomination page shows of the notice: objections (with identities for the county
    only), the form to enter one received by phone or letter, and the notice's result."""

    objections: list[Objection]
    see_objector: bool
    may_enter: bool
    under_investigation: bool
    result: object
    people: dict[int, str]
    notice_over: bool = False  # its last day is behind us: ended, waiting for the scheduled job to record it
    form_key: str = field(default_factory=lambda: uuid.uuid4().hex)  # of the form to enter one


def nomination_panel(user, nomination: Nomination) -> NominationPanel:
    objections = objections_of(nomination)
    see = may_see_objector(user, nomination)
    people: dict[int, str] = {}
    if see:
        ids = {o.entered_by_id for o in objections} | {o.resolved_by_id for o in objections}
        ids.discard(None)
        if ids:
            people = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    under_investigation = any(o.status == "open" for o in objections)
    over = notice_is_over(nomination, timeutil.china_today())
    # accepts_objections, answered from the objections just read
    accepts = (nomination.state == "public_notice" and not over) or (
        nomination.state == "county_review" and under_investigation)
    return NominationPanel(
        objections=objections,
        see_objector=see,
        may_enter=may_enter_objection(user, nomination) and accepts,
        under_investigation=under_investigation,
        result=RESULT_LABELS.get(nomination.notice_result or "", nomination.notice_result),
        people=people,
        notice_over=over,
    )


# ---------------------------------------------------------------- the holiday calendar
def save_holiday(day: date, name: str | None, working: bool) -> Holiday:
    """A public holiday, or a weekend day made a working day (调休); flushes."""
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.name = (name or "").strip()
    row.working = working
    db.session.add(row)
    db.session.flush()
    return row


def delete_holiday(row: Holiday) -> None:
    db.session.delete(row)
    db.session.flush()
