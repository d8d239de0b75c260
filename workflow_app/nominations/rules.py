"""The nomination workflow's rules that read this area's data: who may act at each step, what a nomination
needs before it climbs, the checks on the comment, the audit row. Bound by name to ``states.nomination``
when the app loads this module; the notice's rules are in ``notice/rules.py``, issuing in
``certificates/rules.py``.

A guard returns None when satisfied, else the reason for the user.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.nomination import LEVEL_OF_STATE, WORKFLOW, Context
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.services import quota_for, quota_used
from workflow_app.certificates.printable import unprintable, unprintable_message
from workflow_app.core.formats import lazy_day, moment_text
from workflow_app.delegations.queries import active_delegators
from workflow_app.extensions import db
from workflow_app.nominations.fields import FIELD_LABELS
from workflow_app.nominations.models import ORGANISATION_FIELDS, PERSON_FIELDS, AuditEntry, Nomination
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import ancestors


# ---------------------------------------------------------------- who may act
def assignment_of(actor: User | None, role: str, unit: OrgUnit, level: str | None = None) -> RoleAssignment | None:
    """The actor's ``role`` over ``unit`` (at ``level``, when given), or None."""
    if actor is None or not actor.is_active:
        return None
    for assignment in actor.assignments(role):
        if assignment.org_unit.contains(unit) and (level is None or assignment.org_unit.level == level):
            return assignment
    return None


@WORKFLOW.guard
def actor_is_submitter(ctx: Context):
    ctx.acting_as = assignment_of(ctx.actor, "submitter", ctx.nomination.org_unit)
    if ctx.acting_as is None:
        return _l("Only the submitting unit's chair may do this.")
    return None


@WORKFLOW.guard
def actor_reviews_at_this_level(ctx: Context):
    level = LEVEL_OF_STATE.get(ctx.nomination.state)
    ctx.acting_as = assignment_of(ctx.actor, "reviewer", ctx.nomination.org_unit, level)
    ctx.on_behalf_of = None
    if ctx.acting_as is None:
        for delegator in active_delegators(ctx.actor, ctx.today):
            ctx.acting_as = assignment_of(delegator, "reviewer", ctx.nomination.org_unit, level)
            if ctx.acting_as is not None:
                ctx.on_behalf_of = delegator
                break
    if ctx.acting_as is None:
        return _l("Only a reviewer at this level, for this unit, may do this.")
    return None


@WORKFLOW.guard
def not_own_submission(ctx: Context):
    nomination = ctx.nomination
    acting = {user.id for user in (ctx.actor, ctx.on_behalf_of) if user is not None}
    if acting & {nomination.created_by_id, nomination.submitted_by_id}:
        return _l("You may not review a nomination you submitted.")
    return None


@WORKFLOW.guard
def actor_is_county_admin(ctx: Context):
    ctx.acting_as = assignment_of(ctx.actor, "admin", ctx.nomination.org_unit, "county")
    if ctx.acting_as is None:
        return _l("Only a county administrator may do this.")
    return None


@WORKFLOW.guard
def system_or_county_admin(ctx: Context):
    if ctx.actor is None:  # the scheduled close
        return None
    return actor_is_county_admin(ctx)


# ---------------------------------------------------------------- the comment (its length: states.engine)
@WORKFLOW.guard
def comment_is_printable(ctx: Context):
    """A level's comment is printed on the approval form as its opinion: the fonts must have every character."""
    missing = unprintable(ctx.comment) if ctx.comment else []
    return unprintable_message(missing) if missing else None


# ---------------------------------------------------------------- what a nomination needs
@WORKFLOW.guard
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


@WORKFLOW.guard
def nomination_is_complete(ctx: Context):
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


def already_nominated(campaign_id: int, id_number: str | None, *, other_than: int | None = None) -> bool:
    """The one check of "this person is already nominated in this campaign" (a live nomination: not
    withdrawn); the partial unique index settles the race of two saving at once."""
    if not id_number:
        return False
    query = select(Nomination.id).where(Nomination.campaign_id == campaign_id, Nomination.id_number == id_number,
                                        Nomination.state != "withdrawn")
    if other_than is not None:
        query = query.where(Nomination.id != other_than)
    return db.session.scalar(query.limit(1)) is not None


ALREADY_NOMINATED = _l("This person (ID number) is already nominated in this campaign.")


@WORKFLOW.guard
def id_number_not_taken(ctx: Context):
    nomination = ctx.nomination
    if already_nominated(nomination.campaign_id, nomination.id_number, other_than=nomination.id):
        return ALREADY_NOMINATED
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


@WORKFLOW.input
def vote(ctx: Context) -> bool:
    """The branch's democratic vote is asked for where the honor records one."""
    return bool(ctx.nomination.honor_type.requires_vote)


@WORKFLOW.guard
def vote_has_quorum(ctx: Context):
    if not ctx.nomination.honor_type.requires_vote:
        return None
    values = [ctx.data.get(key) for key in ("vote_due", "vote_present", "vote_in_favour")]
    return vote_problem(ctx.nomination.campaign, *values)


@WORKFLOW.guard
def within_quota(ctx: Context):
    quota = quota_for(ctx.nomination, lock=True)
    if quota is None:
        return None  # no quota set: the campaign does not limit this honor here
    used = quota_used(ctx.nomination)
    if used >= quota.quota:
        return _l("The quota for %(unit)s is used up (%(used)d of %(quota)d).",
                  unit=ctx.nomination.quota_unit.name, used=used, quota=quota.quota)
    return None


# ---------------------------------------------------------------- effects
# stamp_submission is the engine's (who submitted, and when), shared with the statistics workflow.
@WORKFLOW.effect
def record_vote(ctx: Context) -> None:
    if ctx.nomination.honor_type.requires_vote:
        ctx.nomination.vote_due = ctx.data["vote_due"]
        ctx.nomination.vote_present = ctx.data["vote_present"]
        ctx.nomination.vote_in_favour = ctx.data["vote_in_favour"]


@WORKFLOW.provider
def unit_levels(unit: OrgUnit) -> list[str]:
    """The levels of the unit and every unit above it (the review chain drops the levels it lacks)."""
    return [row.level for row in ancestors(unit)]


@WORKFLOW.audit_writer
def record_audit(ctx: Context) -> None:
    """Every successful transition writes one audit row; it is not optional."""
    ctx.audit_entry = AuditEntry(
        nomination_id=ctx.nomination.id,
        **ctx.audit_fields(),
        actor_unit_id=ctx.acting_as.org_unit.id if ctx.acting_as else None,
        on_behalf_of_id=ctx.on_behalf_of.id if ctx.on_behalf_of else None,
        on_behalf_of_name=ctx.on_behalf_of.display_name if ctx.on_behalf_of else None,
    )
    db.session.add(ctx.audit_entry)


@WORKFLOW.conflict_explainer
def already_handled_message(nomination_id: int):
    """Who changed the nomination first, read after the losing request rolled back."""
    last = db.session.scalars(
        select(AuditEntry).where(AuditEntry.nomination_id == nomination_id).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    if last is None:
        return _l("This nomination was changed by someone else meanwhile. Please look at it again.")
    return _l("Already handled by %(name)s (%(unit)s) at %(time)s. Please look at it again.",
              name=last.actor_name, unit=last.actor_unit_name or "—", time=moment_text(last.created_at))

