"""The statistics report workflow's rules, bound by name to ``states.statistics_report``: who files and who
reviews a unit's report, whether its period has begun and its figures agree, and the event row.
A guard returns None when satisfied, else the reason for the user."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.statistics_report import WORKFLOW, Context, fire
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db
from workflow_app.stats import figures as rules
from workflow_app.stats.models import ReportEvent, StatisticsReport


# ---------------------------------------------------------------- who may act
def filing_assignment(user: User | None, report: StatisticsReport) -> RoleAssignment | None:
    """A township's reviewers and admins file its report; a county admin may file for any of its
    townships (figures that came on paper) and for the county-direct group (the county itself)."""
    if user is None or not user.is_active:
        return None
    unit = report.org_unit
    for assignment in user.roles:
        if assignment.role in ("reviewer", "admin") and assignment.org_unit_id == unit.id and unit.level == "township":
            return assignment
    for assignment in user.assignments("admin"):
        if assignment.org_unit.contains(unit):
            return assignment
    return None


def reviewing_assignment(user: User | None, report: StatisticsReport) -> RoleAssignment | None:
    """County reviewers and admins (or above) accept or return a report from their county."""
    if user is None or not user.is_active:
        return None
    for assignment in user.roles:
        if (assignment.role in ("reviewer", "admin") and assignment.org_unit.level in ("province", "city", "county")
                and assignment.org_unit.contains(report.org_unit)):
            return assignment
    return None


@WORKFLOW.guard
def actor_files_for_unit(ctx: Context):
    ctx.acting_as = filing_assignment(ctx.actor, ctx.report)
    if ctx.acting_as is None:
        return _l("Only the reporting township's reviewers or a county administrator may do this.")
    return None


@WORKFLOW.guard
def actor_reviews_for_county(ctx: Context):
    ctx.acting_as = reviewing_assignment(ctx.actor, ctx.report)
    if ctx.acting_as is None:
        return _l("Only a county reviewer or administrator may do this.")
    return None


@WORKFLOW.guard
def not_own_submission(ctx: Context):
    if ctx.actor is not None and ctx.actor.id == ctx.report.submitted_by_id:
        return _l("You may not accept a report you submitted.")
    return None


@WORKFLOW.guard
def period_has_begun(ctx: Context):
    today = china_today()
    report = ctx.report
    if report.year > today.year or (report.year == today.year and report.quarter > (today.month + 2) // 3):
        return _l("A report cannot be filed for a period that has not begun.")
    return None


@WORKFLOW.guard
def figures_consistent(ctx: Context):
    found = rules.problems(ctx.report.figures)
    return found[0][1] if found else None


@WORKFLOW.guard
def replaced_by_accepted_correction(ctx: Context):
    replacement = ctx.data.get("replaced_by")
    if replacement is None or replacement.supersedes_id != ctx.report.id or replacement.state != "accepted":
        return _l("An accepted report is superseded only by accepting its correction.")
    ctx.acting_as = reviewing_assignment(ctx.actor, ctx.report)
    return None


# ---------------------------------------------------------------- effects
# stamp_submission is the engine's (who submitted, and when), shared with the nomination workflow.
@WORKFLOW.effect
def supersede_previous(ctx: Context) -> None:
    """Accepting a correction retires the version it corrects, in the same transaction. The old
    row has the lower id, so the flush updates it first and the one-accepted-report index holds."""
    with db.session.no_autoflush:  # no early flush of the new "accepted" row before the old one is retired
        previous = ctx.report.supersedes
        if previous is not None and previous.state == "accepted":
            fire(previous, "supersede", ctx.actor,
                 _l("Replaced by revision %(revision)d.", revision=ctx.report.revision),
                 client_ip=ctx.client_ip, data={"replaced_by": ctx.report})


@WORKFLOW.audit_writer
def record_event(ctx: Context) -> None:
    """Every successful transition writes one event row; it is not optional."""
    ctx.audit_entry = ReportEvent(report_id=ctx.report.id, **ctx.audit_fields())
    db.session.add(ctx.audit_entry)


@WORKFLOW.conflict_explainer
def already_handled(report_id: int):
    """Who changed the report first, read after the losing request rolled back."""
    last = db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id)
                              .order_by(ReportEvent.id.desc()).limit(1)).first()
    if last is None:
        return _l("This report was changed by someone else meanwhile. Please look at it again.")
    return _l("Already handled by %(name)s (%(unit)s). Please look at it again.",
              name=last.actor_name, unit=last.actor_unit_name or "—")
