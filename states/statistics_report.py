"""The statistics report workflow, as data: a township (or, for the county-direct group, the
county) files its figures for a period; the county accepts them or returns them for revision.

An accepted report is locked. A correction is a new report (the next revision) that goes through
the same steps; accepting it supersedes the old one, which is kept with its history.

``fire`` is the only way a report's state changes; it runs in the caller's transaction and writes
one ``ReportEvent`` per transition (see ``states.engine``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from states.engine import BaseContext, Registry, Workflow, comment_given
from states.engine import transition as _t
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.stats import figures as rules
from workflow_app.stats.models import ReportEvent, StatisticsReport

STATES = ["draft", "submitted", "returned", "accepted", "superseded"]
STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting county review"),
    "returned": _l("Returned for revision"),
    "accepted": _l("Accepted"),
    "superseded": _l("Superseded by a correction"),
}
EVENT_LABELS = {
    "submit": _l("Submit to the county"),
    "recall": _l("Recall"),
    "accept": _l("Accept"),
    "return_for_revision": _l("Return for revision"),
    "supersede": _l("Superseded by a correction"),
}

TRANSITIONS = [
    # trigger               from                     to            when  guards
    _t("submit", ["draft", "returned"], "submitted", None,
       ["actor_files_for_unit", "period_has_begun", "figures_consistent"], ["stamp_submission"]),
    _t("recall", "submitted", "draft", None, ["actor_files_for_unit"]),
    _t("accept", "submitted", "accepted", None, ["actor_reviews_for_county", "not_own_submission",
                                                   "figures_consistent"], ["supersede_previous"]),
    _t("return_for_revision", "submitted", "returned", None, ["actor_reviews_for_county", "comment_given"]),
    _t("supersede", "accepted", "superseded", None, ["replaced_by_accepted_correction"]),
]
# Guards about who is acting: the page offers a button only when these pass.
PERMISSION_GUARDS = {"actor_files_for_unit", "actor_reviews_for_county", "not_own_submission",
                     "replaced_by_accepted_correction"}


@dataclass
class Context(BaseContext):
    report: StatisticsReport
    actor: User | None
    comment: str = ""
    client_ip: str | None = None
    data: dict = field(default_factory=dict)
    acting_as: RoleAssignment | None = None


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


GUARDS = guard = Registry()


@guard
def actor_files_for_unit(ctx: Context):
    ctx.acting_as = filing_assignment(ctx.actor, ctx.report)
    if ctx.acting_as is None:
        return _l("Only the reporting township's reviewers or a county administrator may do this.")
    return None


@guard
def actor_reviews_for_county(ctx: Context):
    ctx.acting_as = reviewing_assignment(ctx.actor, ctx.report)
    if ctx.acting_as is None:
        return _l("Only a county reviewer or administrator may do this.")
    return None


@guard
def not_own_submission(ctx: Context):
    if ctx.actor is not None and ctx.actor.id == ctx.report.submitted_by_id:
        return _l("You may not accept a report you submitted.")
    return None


@guard
def period_has_begun(ctx: Context):
    today = china_today()
    report = ctx.report
    if report.year > today.year or (report.year == today.year and report.quarter > (today.month + 2) // 3):
        return _l("A report cannot be filed for a period that has not begun.")
    return None


@guard
def figures_consistent(ctx: Context):
    found = rules.problems(ctx.report.figures)
    return found[0][1] if found else None


guard(comment_given)


@guard
def replaced_by_accepted_correction(ctx: Context):
    replacement = ctx.data.get("replaced_by")
    if replacement is None or replacement.supersedes_id != ctx.report.id or replacement.state != "accepted":
        return _l("An accepted report is superseded only by accepting its correction.")
    ctx.acting_as = reviewing_assignment(ctx.actor, ctx.report)
    return None


# ---------------------------------------------------------------- effects
EFFECTS = effect = Registry()


@effect
def stamp_submission(ctx: Context) -> None:
    ctx.report.submitted_by_id = ctx.actor.id if ctx.actor else None
    ctx.report.submitted_at = utcnow()


@effect
def supersede_previous(ctx: Context) -> None:
    """Accepting a correction retires the version it corrects, in the same transaction. The old
    row has the lower id, so the flush updates it first and the one-accepted-report index holds."""
    with db.session.no_autoflush:  # no early flush of the new "accepted" row before the old one is retired
        previous = ctx.report.supersedes
        if previous is not None and previous.state == "accepted":
            fire(previous, "supersede", ctx.actor,
                 _l("Replaced by revision %(revision)d.", revision=ctx.report.revision),
                 client_ip=ctx.client_ip, data={"replaced_by": ctx.report})


def record_event(ctx: Context) -> None:
    """Every successful transition writes one event row; it is not optional."""
    unit = ctx.acting_as.org_unit if ctx.acting_as else None
    ctx.audit_entry = ReportEvent(
        report_id=ctx.report.id,
        event=ctx.event,
        from_state=ctx.source,
        to_state=ctx.dest,
        actor_id=ctx.actor.id if ctx.actor else None,
        actor_name=ctx.actor.display_name if ctx.actor else "system",
        actor_role=ctx.acting_as.role if ctx.acting_as else "system",
        actor_unit_name=unit.name if unit else "",
        comment=str(ctx.comment or "").strip(),
        client_ip=ctx.client_ip,
        created_at=utcnow(),
    )
    db.session.add(ctx.audit_entry)


WORKFLOW = Workflow(
    states=STATES,
    initial="draft",
    transitions=TRANSITIONS,
    routes={},
    guards=GUARDS,
    effects=EFFECTS,
    record_audit=record_event,
    event_labels=EVENT_LABELS,
    state_labels=STATE_LABELS,
    not_possible=lambda action, state: _l("“%(action)s” is not possible while the report is “%(state)s”.",
                                          action=action, state=state),
    refused=_l("This action is not possible for this report."),
)


def fire(report: StatisticsReport, event: str, actor: User | None, comment: str = "", *,
         client_ip: str | None = None, expected_version: int | None = None, data: dict | None = None) -> ReportEvent:
    """Apply ``event`` to ``report`` as ``actor`` or raise TransitionRefused / ConcurrentChange.
    Flushes, never commits."""
    ctx = Context(report=report, actor=actor, comment=comment or "", client_ip=client_ip, data=data or {})
    WORKFLOW.run(report, event, ctx, expected_version=expected_version)
    return ctx.audit_entry


def available_events(report: StatisticsReport, actor: User | None) -> list[str]:
    events = WORKFLOW.available(report, Context(report=report, actor=actor), PERMISSION_GUARDS)
    return [event for event in events if event != "supersede"]  # never a button: accepting a correction does it


def mermaid() -> str:
    """The report workflow as a Mermaid state diagram (used in docs/workflow.md)."""
    return WORKFLOW.mermaid("draft", ["accepted", "superseded"])
