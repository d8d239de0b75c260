"""The nomination workflow's rules about the public notice (公示), bound by name to ``states.nomination``:
who may enter an objection, whether the notice still runs, and what opening, pausing, resuming and ending a
notice records. A guard returns None when satisfied, else the reason for the user."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.nomination import WORKFLOW, Context
from workflow_app.core.formats import lazy_day
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.nominations.rules import assignment_of
from workflow_app.notice import calendar as notice_calendar
from workflow_app.notice.models import Objection


@WORKFLOW.provider
def open_objections(nomination) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.nomination_id == nomination.id,
                                                           Objection.status == "open")))


def notice_is_over(nomination, today) -> bool:
    """Under notice, but its last day (24:00 China time) is behind us: over, whether or not the scheduled
    job has recorded it yet. Every read treats it as ended."""
    ends = nomination.notice_ends_on
    return nomination.state == "public_notice" and ends is not None and today > ends


def notice_over_message(nomination):
    return _l("The public notice of this nominee ended on %(day)s; objections are closed.",
              day=lazy_day(nomination.notice_ends_on))


@WORKFLOW.guard
def public_or_county_reviewer(ctx: Context):
    """Anyone objects online (no actor); a county reviewer enters what came by phone or letter."""
    if ctx.actor is None:
        return None
    ctx.acting_as = assignment_of(ctx.actor, "reviewer", ctx.nomination.org_unit, "county")
    if ctx.acting_as is None:
        return _l("Only a county reviewer may enter an objection received by phone or letter.")
    return None


@WORKFLOW.guard
def notice_still_running(ctx: Context):
    """An objection counts only while the notice runs, even before the job has recorded its end."""
    return notice_over_message(ctx.nomination) if notice_is_over(ctx.nomination, ctx.today) else None


@WORKFLOW.guard
def objection_on_record(ctx: Context):
    if not ctx.open_objections():
        return _l("An objection must be recorded first.")
    return None


@WORKFLOW.guard
def has_open_objection(ctx: Context):
    if not ctx.open_objections():
        return _l("There is no open objection to resolve.")
    return None


@WORKFLOW.guard
def no_open_objection(ctx: Context):
    if ctx.nomination.state == "county_review" and ctx.open_objections():
        return _l("An objection is open: resolve it first (dismiss or uphold).")
    return None


@WORKFLOW.guard
def notice_period_over(ctx: Context):
    ends = ctx.nomination.notice_ends_on
    if ends is not None and ctx.today <= ends:
        return _l("The public notice runs until %(day)s (24:00 China time).", day=lazy_day(ends))
    return None


# ---------------------------------------------------------------- effects
@WORKFLOW.effect
def open_notice(ctx: Context) -> None:
    campaign = ctx.nomination.campaign
    period = notice_calendar.notice_period(ctx.today, campaign.notice_days, campaign.notice_working_days)
    ctx.nomination.notice_starts_on, ctx.nomination.notice_ends_on = period
    ctx.nomination.notice_result = None


@WORKFLOW.effect
def pause_notice(ctx: Context) -> None:
    """Remember how many notice days were left, for a dismissal that resumes the period."""
    left = notice_calendar.days_left(ctx.nomination, ctx.today)
    for objection in open_objections(ctx.nomination):
        if objection.days_left is None:
            objection.days_left = left


def _resolve(ctx: Context, status: str) -> list[Objection]:
    objections = open_objections(ctx.nomination)
    for objection in objections:
        objection.status = status
        objection.resolved_by_id = ctx.actor.id if ctx.actor else None
        objection.resolved_at = utcnow()
        objection.resolution = (ctx.comment or "").strip()
    return objections


@WORKFLOW.effect
def dismiss_objections(ctx: Context) -> None:
    objections = _resolve(ctx, "dismissed")
    campaign = ctx.nomination.campaign
    remaining = min((o.days_left for o in objections if o.days_left is not None), default=None)
    days = remaining if campaign.after_dismissal == "remainder" and remaining else campaign.notice_days
    start, end = notice_calendar.notice_period(ctx.today, days, campaign.notice_working_days)
    ctx.nomination.notice_starts_on = ctx.nomination.notice_starts_on or start
    ctx.nomination.notice_ends_on = end


@WORKFLOW.effect
def uphold_objections(ctx: Context) -> None:
    _resolve(ctx, "upheld")
    ctx.nomination.notice_result = "objection_upheld"


@WORKFLOW.effect
def record_notice_result(ctx: Context) -> None:
    ctx.nomination.notice_result = "no_objection"  # 公示无异议
