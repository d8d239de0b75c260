"""The nomination workflow, as data: states, transitions, review chains, guards and effects.

Read it like the paper process. A branch chair submits; each level of the honor type's
review chain (branch → township → county) approves, returns for revision or rejects;
county approval opens the public notice; the county closes the notice and certifies.
County-direct units have no township above them, so that level drops out of their chain.

``fire`` is the only way a nomination's state changes. It runs in the caller's
transaction: the state change, the version bump and the audit row are flushed
together and commit (or roll back) together.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from states.engine import BaseContext, Registry, Workflow, comment_given
from states.engine import ConcurrentChange as ConcurrentChange  # re-exported: callers import them from here
from states.engine import Transition as Transition
from states.engine import TransitionRefused as TransitionRefused
from states.engine import transition as _t
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import Quota
from workflow_app.certificates import services as certificates
from workflow_app.certificates import storage as certificate_files
from workflow_app.certificates.pdf import MissingGlyphs
from workflow_app.core.formats import lazy_day
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import ORGANISATION_FIELDS, PERSON_FIELDS, AuditEntry, Nomination
from workflow_app.notice import calendar as notice_calendar
from workflow_app.notifications import delegations
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import ancestors

# ---------------------------------------------------------------- states
STATES = [
    "draft",
    "branch_review",
    "township_review",
    "county_review",
    "public_notice",
    "approved",
    "certified",
    "returned",
    "rejected",
    "withdrawn",
    "revoked",
]
REVIEW_LEVELS = ("branch", "township", "county")  # bottom-up, the order a nomination climbs
REVIEW_STATE = {level: f"{level}_review" for level in REVIEW_LEVELS}
LEVEL_OF_STATE = {state: level for level, state in REVIEW_STATE.items()}
EDITABLE = ["draft", "returned"]
IN_REVIEW = list(REVIEW_STATE.values())
FINAL = ["rejected", "withdrawn", "revoked"]
# States in which a nomination holds one of its township's quota places.
QUOTA_STATES = ("public_notice", "approved", "certified")

STATE_LABELS = {
    "draft": _l("Draft"),
    "branch_review": _l("Branch review"),
    "township_review": _l("Township review"),
    "county_review": _l("County review"),
    "public_notice": _l("Public notice"),
    "approved": _l("Approved"),
    "certified": _l("Certified"),
    "returned": _l("Returned for revision"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "revoked": _l("Revoked"),
}
EVENT_LABELS = {
    "submit": _l("Submit"),
    "approve": _l("Approve"),
    "return_for_revision": _l("Return for revision"),
    "reject": _l("Reject"),
    "withdraw": _l("Withdraw"),
    "end_notice": _l("End public notice"),
    "raise_objection": _l("Objection received"),
    "dismiss_objection": _l("Dismiss the objection"),
    "uphold_objection": _l("Uphold the objection"),
    "certify": _l("Certify"),
    "revoke": _l("Revoke"),
}

# ---------------------------------------------------------------- transitions
SUBMIT = ["actor_is_submitter", "submission_window_open", "nomination_is_complete", "id_number_not_taken"]
REVIEW = ["actor_reviews_at_this_level", "not_own_submission", "no_open_objection"]
RESOLVE = ["actor_reviews_at_this_level", "has_open_objection", "comment_given"]


TRANSITIONS = [
    # trigger             from               to                 when                       guards
    _t("submit", EDITABLE, "branch_review", "first_level_is_branch", SUBMIT, ["stamp_submission"]),
    _t("submit", EDITABLE, "township_review", "first_level_is_township", SUBMIT, ["stamp_submission"]),
    _t("submit", EDITABLE, "county_review", "first_level_is_county", SUBMIT, ["stamp_submission"]),
    _t("approve", "branch_review", "township_review", "next_level_is_township",
       [*REVIEW, "vote_has_quorum"], ["record_vote"]),
    _t("approve", "branch_review", "county_review", "next_level_is_county",
       [*REVIEW, "vote_has_quorum"], ["record_vote"]),
    _t("approve", "township_review", "county_review", "next_level_is_county", REVIEW),
    _t("approve", "county_review", "public_notice", None, [*REVIEW, "within_quota"], ["open_notice"]),
    _t("return_for_revision", IN_REVIEW, "returned", None, [*REVIEW, "comment_given"]),
    _t("reject", IN_REVIEW, "rejected", None, [*REVIEW, "comment_given"]),
    _t("withdraw", EDITABLE + IN_REVIEW, "withdrawn", None, ["actor_is_submitter", "no_open_objection"]),
    # Public notice: an objection sends it back to the county until resolved; the notice ends by
    # itself (actor None: the system) once its last day is over, or by a county admin then.
    _t("raise_objection", "public_notice", "county_review", None, ["public_or_county_reviewer", "objection_on_record"],
       ["pause_notice"]),
    _t("dismiss_objection", "county_review", "public_notice", None, RESOLVE, ["dismiss_objections"]),
    _t("uphold_objection", "county_review", "rejected", None, RESOLVE, ["uphold_objections"]),
    _t("end_notice", "public_notice", "approved", None, ["system_or_county_admin", "notice_period_over"],
       ["record_notice_result"]),
    _t("certify", "approved", "certified", None, ["actor_is_county_admin"], ["issue_certificate"]),
    _t("revoke", ["approved", "certified"], "revoked", None, ["actor_is_county_admin", "comment_given"],
       ["revoke_certificate"]),
]
EVENTS = list(dict.fromkeys(t.trigger for t in TRANSITIONS))
# Guards about who is acting; the rest are about the nomination. Buttons show when these pass.
PERMISSION_GUARDS = {"actor_is_submitter", "actor_reviews_at_this_level", "not_own_submission",
                     "actor_is_county_admin", "system_or_county_admin", "has_open_objection",
                     "no_open_objection", "objection_on_record", "public_or_county_reviewer"}


# ---------------------------------------------------------------- context
@dataclass
class Context(BaseContext):
    """What a transition knows: who acts, with which words, and what it learned on the way."""

    nomination: Nomination
    actor: User | None  # None is the system (scheduled jobs)
    comment: str = ""
    client_ip: str | None = None
    data: dict = field(default_factory=dict)
    today: date = field(default_factory=china_today)
    acting_as: RoleAssignment | None = None
    on_behalf_of: User | None = None  # the reviewer whose delegate is acting
    _chain: list[str] | None = None
    _open_objections: list | None = None

    @property
    def chain(self) -> list[str]:
        """The review levels this nomination passes, bottom-up."""
        if self._chain is None:
            self._chain = review_chain(self.nomination)
        return self._chain

    def open_objections(self) -> list:
        """The nomination's open objections, read once for the guards of this check (a page asks for
        every event; the effects that resolve objections read them afresh)."""
        if self._open_objections is None:
            self._open_objections = open_objections(self.nomination)
        return self._open_objections

    def next_level(self) -> str | None:
        level = LEVEL_OF_STATE.get(self.nomination.state)
        if level is None or level not in self.chain:
            return None
        index = self.chain.index(level)
        return self.chain[index + 1] if index + 1 < len(self.chain) else None


def review_chain(nomination: Nomination) -> list[str]:
    """The honor type's chain, less the levels this unit has no ancestor at."""
    present = {unit.level for unit in ancestors(nomination.org_unit)}
    wanted = set(nomination.honor_type.review_chain)
    return [level for level in REVIEW_LEVELS if level in wanted and level in present]


# ---------------------------------------------------------------- routing conditions
ROUTES: dict[str, Callable[[Context], bool]] = {
    "first_level_is_branch": lambda ctx: ctx.chain[:1] == ["branch"],
    "first_level_is_township": lambda ctx: ctx.chain[:1] == ["township"],
    "first_level_is_county": lambda ctx: ctx.chain[:1] == ["county"],
    "next_level_is_township": lambda ctx: ctx.next_level() == "township",
    "next_level_is_county": lambda ctx: ctx.next_level() == "county",
}


# ---------------------------------------------------------------- guards
# A guard returns None when satisfied, else the reason for the user.
GUARDS = guard = Registry()


def _assignment(actor: User | None, role: str, unit: OrgUnit, level: str | None = None) -> RoleAssignment | None:
    if actor is None or not actor.is_active:
        return None
    for assignment in actor.assignments(role):
        if assignment.org_unit.contains(unit) and (level is None or assignment.org_unit.level == level):
            return assignment
    return None


@guard
def actor_is_submitter(ctx: Context):
    ctx.acting_as = _assignment(ctx.actor, "submitter", ctx.nomination.org_unit)
    if ctx.acting_as is None:
        return _l("Only the submitting unit's chair may do this.")
    return None


@guard
def actor_reviews_at_this_level(ctx: Context):
    level = LEVEL_OF_STATE.get(ctx.nomination.state)
    ctx.acting_as = _assignment(ctx.actor, "reviewer", ctx.nomination.org_unit, level)
    ctx.on_behalf_of = None
    if ctx.acting_as is None:
        for delegator in delegations.active_delegators(ctx.actor, ctx.today):
            ctx.acting_as = _assignment(delegator, "reviewer", ctx.nomination.org_unit, level)
            if ctx.acting_as is not None:
                ctx.on_behalf_of = delegator
                break
    if ctx.acting_as is None:
        return _l("Only a reviewer at this level, for this unit, may do this.")
    return None


@guard
def not_own_submission(ctx: Context):
    nomination = ctx.nomination
    acting = {user.id for user in (ctx.actor, ctx.on_behalf_of) if user is not None}
    if acting & {nomination.created_by_id, nomination.submitted_by_id}:
        return _l("You may not review a nomination you submitted.")
    return None


@guard
def actor_is_county_admin(ctx: Context):
    ctx.acting_as = _assignment(ctx.actor, "admin", ctx.nomination.org_unit, "county")
    if ctx.acting_as is None:
        return _l("Only a county administrator may do this.")
    return None


@guard
def system_or_county_admin(ctx: Context):
    if ctx.actor is None:  # the scheduled close, or the close-on-view check
        return None
    return actor_is_county_admin(ctx)


def open_objections(nomination: Nomination) -> list:
    from workflow_app.notice.models import Objection

    return list(db.session.scalars(select(Objection).where(Objection.nomination_id == nomination.id,
                                                           Objection.status == "open")))


@guard
def public_or_county_reviewer(ctx: Context):
    """Anyone objects online (no actor); a county reviewer enters what came by phone or letter."""
    if ctx.actor is None:
        return None
    ctx.acting_as = _assignment(ctx.actor, "reviewer", ctx.nomination.org_unit, "county")
    if ctx.acting_as is None:
        return _l("Only a county reviewer may enter an objection received by phone or letter.")
    return None


@guard
def objection_on_record(ctx: Context):
    if not ctx.open_objections():
        return _l("An objection must be recorded first.")
    return None


@guard
def has_open_objection(ctx: Context):
    if not ctx.open_objections():
        return _l("There is no open objection to resolve.")
    return None


@guard
def no_open_objection(ctx: Context):
    if ctx.nomination.state == "county_review" and ctx.open_objections():
        return _l("An objection is open: resolve it first (dismiss or uphold).")
    return None


@guard
def notice_period_over(ctx: Context):
    ends = ctx.nomination.notice_ends_on
    if ends is not None and ctx.today <= ends:
        return _l("The public notice runs until %(day)s (24:00 China time).", day=lazy_day(ends))
    return None


@guard
def submission_window_open(ctx: Context):
    campaign = ctx.nomination.campaign
    if ctx.today < campaign.opens_on:
        return _l("Submissions for this campaign open on %(day)s.", day=lazy_day(campaign.opens_on))
    if ctx.today > campaign.closes_on:
        return _l("The submission deadline of this campaign (%(day)s) has passed.",
                  day=lazy_day(campaign.closes_on))
    return None


def missing_fields(nomination: Nomination) -> list[str]:
    """Names of the fields the honor type requires that are still empty."""
    base = PERSON_FIELDS if nomination.is_person else ORGANISATION_FIELDS
    required = [name for name in nomination.honor_type.required_fields if name in base]
    required += ["nominee_name", "deeds_summary", "deeds_full"]
    return [name for name in dict.fromkeys(required) if getattr(nomination, name) in (None, "")]


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@guard
def nomination_is_complete(ctx: Context):
    from workflow_app.nominations.fields import FIELD_LABELS  # labels live with the form

    missing = missing_fields(ctx.nomination)
    if missing:
        names = "、".join(str(FIELD_LABELS.get(name, name)) for name in missing)
        return _l("Please complete these fields before submitting: %(fields)s.", fields=names)
    min_age = ctx.nomination.honor_type.min_age
    born = ctx.nomination.birth_date
    if min_age and born and age_on(born, ctx.today) < min_age:
        return _l("The nominee must be at least %(age)d years old.", age=min_age)
    needed = ctx.nomination.honor_type.min_attachments
    if len(ctx.nomination.attachments) < needed:
        return _l("This honor needs at least %(count)d attachment(s).", count=needed)
    return None


@guard
def id_number_not_taken(ctx: Context):
    nomination = ctx.nomination
    if not nomination.id_number:
        return None
    taken = db.session.scalar(
        select(func.count(Nomination.id)).where(
            Nomination.campaign_id == nomination.campaign_id,
            Nomination.id_number == nomination.id_number,
            Nomination.state != "withdrawn",
            Nomination.id != nomination.id,
        )
    )
    if taken:
        return _l("This person (ID number) is already nominated in this campaign.")
    return None


def vote_problem(campaign, due, present, in_favour):
    """Why a democratic vote does not carry, or None when it does."""
    if None in (due, present, in_favour):
        return _l("Record the branch's vote (members due, present and in favour) before approving.")
    if not (due > 0 and 0 <= present <= due and 0 <= in_favour <= present):
        return _l("The vote figures are inconsistent: in favour ≤ present ≤ due, and due above zero.")
    if present * campaign.vote_quorum_denominator < due * campaign.vote_quorum_numerator:
        return _l("The meeting had no quorum: %(present)d of %(due)d present, %(num)d/%(den)d needed.",
                  present=present, due=due, num=campaign.vote_quorum_numerator,
                  den=campaign.vote_quorum_denominator)
    if in_favour * 2 <= present:
        return _l("The vote did not pass: %(yes)d of %(present)d in favour, more than half needed.",
                  yes=in_favour, present=present)
    return None


@guard
def vote_has_quorum(ctx: Context):
    if not ctx.nomination.honor_type.requires_vote:
        return None
    values = [ctx.data.get(key) for key in ("vote_due", "vote_present", "vote_in_favour")]
    return vote_problem(ctx.nomination.campaign, *values)


def quota_for(nomination: Nomination, *, lock: bool = False) -> Quota | None:
    query = select(Quota).where(
        Quota.campaign_id == nomination.campaign_id,
        Quota.honor_type_id == nomination.honor_type_id,
        Quota.org_unit_id == nomination.quota_unit_id,
    )
    if lock:
        query = query.with_for_update(of=Quota)  # serialises county approvals of one quota (PostgreSQL)
    return db.session.scalar(query)


def quota_used(nomination: Nomination) -> int:
    return db.session.scalar(
        select(func.count(Nomination.id)).where(
            Nomination.campaign_id == nomination.campaign_id,
            Nomination.honor_type_id == nomination.honor_type_id,
            Nomination.quota_unit_id == nomination.quota_unit_id,
            Nomination.state.in_(QUOTA_STATES),
        )
    ) or 0


@guard
def within_quota(ctx: Context):
    quota = quota_for(ctx.nomination, lock=True)
    if quota is None:
        return None  # no quota set: the campaign does not limit this honor here
    used = quota_used(ctx.nomination)
    if used >= quota.quota:
        return _l("The quota for %(unit)s is used up (%(used)d of %(quota)d).",
                  unit=ctx.nomination.quota_unit.name, used=used, quota=quota.quota)
    return None


guard(comment_given)


# ---------------------------------------------------------------- effects
EFFECTS = effect = Registry()


@effect
def stamp_submission(ctx: Context) -> None:
    ctx.nomination.submitted_by_id = ctx.actor.id if ctx.actor else None
    ctx.nomination.submitted_at = utcnow()


@effect
def record_vote(ctx: Context) -> None:
    if ctx.nomination.honor_type.requires_vote:
        ctx.nomination.vote_due = ctx.data["vote_due"]
        ctx.nomination.vote_present = ctx.data["vote_present"]
        ctx.nomination.vote_in_favour = ctx.data["vote_in_favour"]


@effect
def open_notice(ctx: Context) -> None:
    campaign = ctx.nomination.campaign
    period = notice_calendar.notice_period(ctx.today, campaign.notice_days, campaign.notice_working_days)
    ctx.nomination.notice_starts_on, ctx.nomination.notice_ends_on = period
    ctx.nomination.notice_result = None


@effect
def pause_notice(ctx: Context) -> None:
    """Remember how many notice days were left, for a dismissal that resumes the period."""
    left = notice_calendar.days_left(ctx.nomination, ctx.today)
    for objection in open_objections(ctx.nomination):
        if objection.days_left is None:
            objection.days_left = left


def _resolve(ctx: Context, status: str) -> list:
    objections = open_objections(ctx.nomination)
    for objection in objections:
        objection.status = status
        objection.resolved_by_id = ctx.actor.id if ctx.actor else None
        objection.resolved_at = utcnow()
        objection.resolution = (ctx.comment or "").strip()
    return objections


@effect
def dismiss_objections(ctx: Context) -> None:
    objections = _resolve(ctx, "dismissed")
    campaign = ctx.nomination.campaign
    remaining = min((o.days_left for o in objections if o.days_left is not None), default=None)
    days = remaining if campaign.after_dismissal == "remainder" and remaining else campaign.notice_days
    start, end = notice_calendar.notice_period(ctx.today, days, campaign.notice_working_days)
    ctx.nomination.notice_starts_on = ctx.nomination.notice_starts_on or start
    ctx.nomination.notice_ends_on = end


@effect
def uphold_objections(ctx: Context) -> None:
    _resolve(ctx, "upheld")
    ctx.nomination.notice_result = "objection_upheld"


@effect
def record_notice_result(ctx: Context) -> None:
    ctx.nomination.notice_result = "no_objection"  # 公示无异议


@effect
def issue_certificate(ctx: Context) -> None:
    """Number the certificate and store its PDF, both undone if the transition does not commit."""
    certificate = certificates.create_certificate(ctx.nomination, ctx.actor, ctx.today)
    try:
        certificate_files.store_issued(certificate)
    except MissingGlyphs as missing:  # a certificate that cannot be printed is not issued
        raise TransitionRefused(_l("The font lacks these characters, so the certificate was not issued: "
                                   "%(characters)s. Configure a font that has them (CERTIFICATE_BODY_FONT / "
                                   "CERTIFICATE_TITLE_FONT), or correct the name.",
                                   characters="、".join(f"「{c}」U+{ord(c):04X}" for c in missing.characters))
                                ) from None


@effect
def revoke_certificate(ctx: Context) -> None:
    certificates.revoke_certificate(ctx.nomination, (ctx.comment or "").strip(), utcnow())


def record_audit(ctx: Context) -> None:
    """Every successful transition writes one audit row; it is not optional."""
    unit = ctx.acting_as.org_unit if ctx.acting_as else None
    ctx.audit_entry = AuditEntry(
        nomination_id=ctx.nomination.id,
        event=ctx.event,
        from_state=ctx.source,
        to_state=ctx.dest,
        actor_id=ctx.actor.id if ctx.actor else None,
        actor_name=ctx.actor.display_name if ctx.actor else "system",
        actor_role=ctx.acting_as.role if ctx.acting_as else "system",
        actor_unit_id=unit.id if unit else None,
        actor_unit_name=unit.name if unit else "",
        comment=(ctx.comment or "").strip(),
        on_behalf_of_id=ctx.on_behalf_of.id if ctx.on_behalf_of else None,
        on_behalf_of_name=ctx.on_behalf_of.display_name if ctx.on_behalf_of else None,
        client_ip=ctx.client_ip,
        created_at=utcnow(),
    )
    db.session.add(ctx.audit_entry)


# ---------------------------------------------------------------- the machine
WORKFLOW = Workflow(
    states=STATES,
    initial="draft",
    transitions=TRANSITIONS,
    routes=ROUTES,
    guards=GUARDS,
    effects=EFFECTS,
    record_audit=record_audit,
    event_labels=EVENT_LABELS,
    state_labels=STATE_LABELS,
    not_possible=lambda action, state: _l("“%(action)s” is not possible while the nomination is in “%(state)s”.",
                                          action=action, state=state),
    refused=_l("This action is not possible for this nomination."),
)
MACHINE = WORKFLOW.machine


def fire(
    nomination: Nomination,
    event: str,
    actor: User | None,
    comment: str = "",
    *,
    client_ip: str | None = None,
    expected_version: int | None = None,
    data: dict | None = None,
    today: date | None = None,
) -> AuditEntry:
    """Apply ``event`` to ``nomination`` as ``actor``, or raise.

    Raises TransitionRefused (with a reason for the user) when the event does not exist in
    the current state or a guard refuses, and ConcurrentChange when the row changed since
    the caller read it (``expected_version``) or while writing (the version column).
    Flushes but does not commit: the caller's transaction holds state, version and audit.
    """
    ctx = Context(nomination=nomination, actor=actor, comment=comment or "", client_ip=client_ip,
                  data=data or {}, today=today or china_today())
    WORKFLOW.run(nomination, event, ctx, expected_version=expected_version)
    return ctx.audit_entry


def available_events(nomination: Nomination, actor: User | None) -> list[str]:
    """Events the actor may try now: a route leads somewhere and every permission guard passes.
    Guards about the nomination (quota, deadline, completeness) are checked when fired."""
    return WORKFLOW.available(nomination, Context(nomination=nomination, actor=actor), PERMISSION_GUARDS)


def path_of(chain: list[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """The states and moves open to a nomination with this review chain, for the diagram:
    routed transitions count only where their routing condition fits the chain."""
    reviews = [REVIEW_STATE[level] for level in chain]
    states = (set(STATES) - set(IN_REVIEW)) | set(reviews)
    routed = {(source, reviews[0]) for source in EDITABLE}
    routed |= set(itertools.pairwise(reviews))
    moves = set()
    for transition in TRANSITIONS:
        for source in transition.source:
            pair = (source, transition.dest)
            if source in states and transition.dest in states and (transition.when is None or pair in routed):
                moves.add(pair)
    return states, moves


def mermaid() -> str:
    """The workflow as a Mermaid state diagram (used in docs/workflow.md)."""
    return WORKFLOW.mermaid("draft", ["certified", "rejected", "withdrawn", "revoked"])
