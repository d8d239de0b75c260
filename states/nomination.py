"""The nomination workflow, as data: states, transitions, review chains, guards and effects by name,
and what the interface needs of each action.

Read it like the paper process. A branch chair submits; each level of the honor type's review chain
(branch → township → county) approves, returns for revision or rejects; county approval opens the public
notice; the notice ends once its last day is over; the county certifies. County-direct units have no
township above them, so that level drops out of their chain. A reviewer may also send the nomination back
down its chain to a lower level (which resumes review from there, and the levels above review again), and
may recall their own approval while the next level has not acted on it.

The functions behind the names live with the areas that know the data (``workflow_app/nominations/rules.py``
for who may act and what a nomination needs, ``notice/rules.py`` for the notice, ``certificates/rules.py``
for issuing): this module imports none of them.

``fire`` is the only way a nomination's state changes. It runs in the caller's unit of work: the state
change, the version bump, the audit row and every effect are flushed together and commit (or roll back)
together.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from states.engine import Action, BaseContext, Offer, Workflow
from states.engine import ConcurrentChange as ConcurrentChange  # re-exported: callers import them from here
from states.engine import Transition as Transition
from states.engine import TransitionRefused as TransitionRefused
from states.engine import transition as _t
from workflow_app.core.timeutil import china_today

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
    "return_to_level": _l("Return to a lower level"),
    "recall_approval": _l("Recall the approval"),
}

# ---------------------------------------------------------------- transitions
SUBMIT = ["actor_is_submitter", "submission_window_open", "nomination_is_complete", "id_number_not_taken"]
REVIEW = ["actor_reviews_at_this_level", "not_own_submission", "no_open_objection"]
RESOLVE = ["actor_reviews_at_this_level", "has_open_objection", "comment_given"]
RETURN_DOWN = [*REVIEW, "return_level_chosen", "comment_given"]
RECALL = ["next_level_has_not_acted", "actor_made_the_last_approval", "comment_given"]


TRANSITIONS = [
    # trigger             from               to                 when                       guards
    _t("submit", EDITABLE, "branch_review", "first_level_is_branch", SUBMIT, ["stamp_submission"]),
    _t("submit", EDITABLE, "township_review", "first_level_is_township", SUBMIT, ["stamp_submission"]),
    _t("submit", EDITABLE, "county_review", "first_level_is_county", SUBMIT, ["stamp_submission"]),
    _t("approve", "branch_review", "township_review", "next_level_is_township",
       [*REVIEW, "vote_has_quorum"], ["record_vote"], inputs=["vote"]),
    _t("approve", "branch_review", "county_review", "next_level_is_county",
       [*REVIEW, "vote_has_quorum"], ["record_vote"], inputs=["vote"]),
    _t("approve", "township_review", "county_review", "next_level_is_county", REVIEW),
    _t("approve", "county_review", "public_notice", None, [*REVIEW, "within_quota"], ["open_notice"]),
    _t("return_for_revision", IN_REVIEW, "returned", None, [*REVIEW, "comment_given"]),
    # Back down the chain: to the lower level chosen on the form (``data["return_level"]``), or the reviewer
    # who approved takes the approval back while it still waits, untouched, at the next level.
    _t("return_to_level", "county_review", "township_review", "returns_to_township", RETURN_DOWN,
       inputs=["return_level"]),
    _t("return_to_level", ["county_review", "township_review"], "branch_review", "returns_to_branch", RETURN_DOWN,
       inputs=["return_level"]),
    _t("recall_approval", "county_review", "township_review", "previous_level_is_township", RECALL),
    _t("recall_approval", ["county_review", "township_review"], "branch_review", "previous_level_is_branch", RECALL),
    _t("reject", IN_REVIEW, "rejected", None, [*REVIEW, "comment_given"]),
    _t("withdraw", EDITABLE + IN_REVIEW, "withdrawn", None, ["actor_is_submitter", "no_open_objection"]),
    # Public notice: an objection sends it back to the county until resolved, but only while the notice
    # runs; the notice ends by the scheduled job (actor None: the system) once its last day is over, or
    # by a county admin then.
    _t("raise_objection", "public_notice", "county_review", None,
       ["public_or_county_reviewer", "notice_still_running", "objection_on_record"], ["pause_notice"]),
    _t("dismiss_objection", "county_review", "public_notice", None, RESOLVE, ["dismiss_objections"]),
    _t("uphold_objection", "county_review", "rejected", None, RESOLVE, ["uphold_objections"]),
    _t("end_notice", "public_notice", "approved", None, ["system_or_county_admin", "notice_period_over"],
       ["record_notice_result"]),
    _t("certify", "approved", "certified", None, ["actor_is_county_admin"], ["issue_certificate"]),
    _t("revoke", ["approved", "certified"], "revoked", None, ["actor_is_county_admin", "comment_given"],
       ["revoke_certificate"]),
]
EVENTS = list(dict.fromkeys(t.trigger for t in TRANSITIONS))
# The events that send a nomination back down its chain: the level reached and those above it review again.
BACK_DOWN_EVENTS = ("return_to_level", "recall_approval")
# Guards about who is acting; the rest are about the nomination. Buttons show when these pass.
PERMISSION_GUARDS = {"actor_is_submitter", "actor_reviews_at_this_level", "not_own_submission",
                     "actor_is_county_admin", "system_or_county_admin", "has_open_objection",
                     "no_open_objection", "objection_on_record", "public_or_county_reviewer",
                     "next_level_has_not_acted", "actor_made_the_last_approval"}
# Every transition checks its comment first (it is printed on the approval form as that level's opinion).
COMMENT_GUARDS = ["comment_is_valid", "comment_is_printable"]

FINAL_STEP = _l("Really %(action)s? This cannot be undone.")
ACTIONS = {
    "submit": Action(style="primary"),
    "approve": Action(style="success", bulk=True),
    "return_for_revision": Action(style="warning", bulk=True),
    "return_to_level": Action(style="outline-dark"),
    "recall_approval": Action(style="outline-dark"),
    "reject": Action(style="danger", confirm=FINAL_STEP),
    "withdraw": Action(style="outline-secondary", confirm=FINAL_STEP),
    "end_notice": Action(style="primary"),
    "dismiss_objection": Action(style="primary"),
    "uphold_objection": Action(style="danger", confirm=FINAL_STEP),
    "certify": Action(style="primary"),
    "revoke": Action(style="danger", confirm=FINAL_STEP),
}


# ---------------------------------------------------------------- context
@dataclass
class Context(BaseContext):
    """What a transition knows: who acts, with which words, and what it learned on the way."""

    nomination: Any
    actor: Any  # a User; None is the system (scheduled jobs) or the public
    comment: str = ""
    client_ip: str | None = None
    data: dict = field(default_factory=dict)
    today: date = field(default_factory=china_today)
    acting_as: Any = None  # the RoleAssignment the actor acts in
    on_behalf_of: Any = None  # the reviewer whose delegate is acting
    _chain: list[str] | None = None
    _open_objections: list | None = None
    _last_entry: Any = None
    _last_entry_read: bool = False

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
            self._open_objections = WORKFLOW.providers["open_objections"](self.nomination)
        return self._open_objections

    def last_entry(self) -> Any:
        """The nomination's latest audit row (None before the first), read once for this check."""
        if not self._last_entry_read:
            self._last_entry = WORKFLOW.providers["last_audit_entry"](self.nomination)
            self._last_entry_read = True
        return self._last_entry

    def lower_levels(self) -> list[str]:
        """The levels of the chain below the one reviewing now, nearest first: where a return may send it."""
        level = LEVEL_OF_STATE.get(self.nomination.state)
        if level is None or level not in self.chain:
            return []
        return self.chain[:self.chain.index(level)][::-1]

    def previous_level(self) -> str | None:
        """The level that approved the nomination up to the one reviewing now."""
        lower = self.lower_levels()
        return lower[0] if lower else None

    def next_level(self) -> str | None:
        level = LEVEL_OF_STATE.get(self.nomination.state)
        if level is None or level not in self.chain:
            return None
        index = self.chain.index(level)
        return self.chain[index + 1] if index + 1 < len(self.chain) else None


def review_chain(nomination) -> list[str]:
    """The honor type's chain, less the levels this unit has no ancestor at."""
    present = set(WORKFLOW.providers["unit_levels"](nomination.org_unit))
    wanted = set(nomination.honor_type.review_chain)
    return [level for level in REVIEW_LEVELS if level in wanted and level in present]


# ---------------------------------------------------------------- the machine
WORKFLOW = Workflow(
    name="nomination",
    states=STATES,
    initial="draft",
    transitions=TRANSITIONS,
    actions=ACTIONS,
    event_labels=EVENT_LABELS,
    state_labels=STATE_LABELS,
    permission_guards=PERMISSION_GUARDS,
    comment_guards=COMMENT_GUARDS,
    not_possible=lambda action, state: _l("“%(action)s” is not possible while the nomination is in “%(state)s”.",
                                          action=action, state=state),
    refused=_l("This action is not possible for this nomination."),
)
MACHINE = WORKFLOW.machine


# Routing conditions: pure functions of the chain, so they live with the definition.
@WORKFLOW.route
def first_level_is_branch(ctx: Context) -> bool:
    return ctx.chain[:1] == ["branch"]


@WORKFLOW.route
def first_level_is_township(ctx: Context) -> bool:
    return ctx.chain[:1] == ["township"]


@WORKFLOW.route
def first_level_is_county(ctx: Context) -> bool:
    return ctx.chain[:1] == ["county"]


@WORKFLOW.route
def next_level_is_township(ctx: Context) -> bool:
    return ctx.next_level() == "township"


@WORKFLOW.route
def next_level_is_county(ctx: Context) -> bool:
    return ctx.next_level() == "county"


def _returns_to(ctx: Context, level: str) -> bool:
    """A return goes to the lower level chosen. Without a valid choice (a page asking what it may offer, or a
    form sent without one) every lower level is a way, and the guard ``return_level_chosen`` says what to pick."""
    lower = ctx.lower_levels()
    chosen = ctx.data.get("return_level")
    return level in lower and (chosen == level or chosen not in lower)


@WORKFLOW.route
def returns_to_township(ctx: Context) -> bool:
    return _returns_to(ctx, "township")


@WORKFLOW.route
def returns_to_branch(ctx: Context) -> bool:
    return _returns_to(ctx, "branch")


@WORKFLOW.route
def previous_level_is_township(ctx: Context) -> bool:
    return ctx.previous_level() == "township"


@WORKFLOW.route
def previous_level_is_branch(ctx: Context) -> bool:
    return ctx.previous_level() == "branch"


def fire(
    nomination,
    event: str,
    actor,
    comment: str = "",
    *,
    client_ip: str | None = None,
    expected_version: int | None = None,
    data: dict | None = None,
    today: date | None = None,
) -> Any:
    """Apply ``event`` to ``nomination`` as ``actor``, or raise; returns the audit row.

    Raises TransitionRefused (with a reason for the user and a code) when the event does not exist in
    the current state or a guard refuses, and ConcurrentChange when the row changed since the caller read
    it (``expected_version``) or while writing (the version column). Flushes but does not commit: the
    caller's unit of work holds state, version, audit row and effects.
    """
    ctx = Context(nomination=nomination, actor=actor, comment=comment or "", client_ip=client_ip,
                  data=data or {}, today=today or china_today())
    WORKFLOW.run(nomination, event, ctx, expected_version=expected_version)
    return ctx.audit_entry


def available_events(nomination, actor) -> list[str]:
    """Events the actor may try now: a route leads somewhere and every permission guard passes.
    Guards about the nomination (quota, deadline, completeness) are checked when fired."""
    return WORKFLOW.available(nomination, Context(nomination=nomination, actor=actor))


def describe(nomination, actor) -> list[Offer]:
    """The actions the nomination page offers ``actor``, with what each needs (style, confirmation,
    comment, the branch's vote)."""
    return WORKFLOW.describe(nomination, Context(nomination=nomination, actor=actor))


def check_comment(event: str, comment: str) -> Any:
    """Why ``comment`` cannot go with ``event`` on any nomination, or None (bulk review asks before it
    shows the confirmation step)."""
    return WORKFLOW.check_comment(event, Context(nomination=None, actor=None, comment=comment or ""))


def path_of(chain: list[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """The states and moves open to a nomination with this review chain, for the diagram:
    routed transitions count only where their routing condition fits the chain."""
    reviews = [REVIEW_STATE[level] for level in chain]
    states = (set(STATES) - set(IN_REVIEW)) | set(reviews)
    routed = {(source, reviews[0]) for source in EDITABLE}
    routed |= set(itertools.pairwise(reviews))
    # Back down the chain: a return to any lower level, a recall to the level below.
    routed |= {(later, earlier) for index, earlier in enumerate(reviews) for later in reviews[index + 1:]}
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
