"""The statistics report workflow, as data: a township (or, for the county-direct group, the county) files
its figures for a period; the county accepts them or returns them for revision.

An accepted report is locked. A correction is a new report (the next revision) that goes through the same
steps; accepting it supersedes the old one, which is kept with its history.

The functions behind the names are the statistics area's (``workflow_app/stats/rules.py``). ``fire`` is the
only way a report's state changes; it runs in the caller's unit of work and writes one ``ReportEvent`` per
transition (see ``states.engine``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from states.engine import Action, BaseContext, Offer, Workflow
from states.engine import transition as _t

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
ACTIONS = {
    "submit": Action(style="primary"),
    "recall": Action(style="outline-secondary"),
    "accept": Action(style="success"),
    "return_for_revision": Action(style="warning"),
}


@dataclass
class Context(BaseContext):
    report: Any
    actor: Any  # a User
    comment: str = ""
    client_ip: str | None = None
    data: dict = field(default_factory=dict)
    acting_as: Any = None  # the RoleAssignment the actor acts in


WORKFLOW = Workflow(
    name="statistics_report",
    states=STATES,
    initial="draft",
    transitions=TRANSITIONS,
    actions=ACTIONS,
    event_labels=EVENT_LABELS,
    state_labels=STATE_LABELS,
    permission_guards=PERMISSION_GUARDS,
    comment_guards=["comment_is_valid"],
    not_possible=lambda action, state: _l("“%(action)s” is not possible while the report is “%(state)s”.",
                                          action=action, state=state),
    refused=_l("This action is not possible for this report."),
)


def fire(report, event: str, actor, comment: str = "", *, client_ip: str | None = None,
         expected_version: int | None = None, data: dict | None = None) -> Any:
    """Apply ``event`` to ``report`` as ``actor`` or raise TransitionRefused / ConcurrentChange.
    Flushes, never commits."""
    ctx = Context(report=report, actor=actor, comment=comment or "", client_ip=client_ip, data=data or {})
    WORKFLOW.run(report, event, ctx, expected_version=expected_version)
    return ctx.audit_entry


def describe(report, actor) -> list[Offer]:
    """The buttons the report page offers (accepting a correction supersedes: never a button)."""
    return [offer for offer in WORKFLOW.describe(report, Context(report=report, actor=actor))
            if offer.event != "supersede"]


def available_events(report, actor) -> list[str]:
    return [offer.event for offer in describe(report, actor)]


def mermaid() -> str:
    """The report workflow as a Mermaid state diagram (used in docs/workflow.md)."""
    return WORKFLOW.mermaid("draft", ["accepted", "superseded"])
