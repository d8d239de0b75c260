"""What every workflow here shares: transitions as data, guards and effects by name, one module-level
``transitions.Machine`` per workflow with no models attached, and ``Workflow.run`` — the only code that
changes a row's ``state``.

A workflow module (``states/nomination.py``, ``states/statistics_report.py``) declares its states, its
transitions, the guards, effects and routing conditions each transition names, and what the interface
needs of each action (button style, confirmation, comment, inputs). It depends on no area: the areas
*bind* the functions behind the names (``workflow.guard``, ``workflow.effect`` …) when the app loads them,
and ``check_bound`` refuses to start with a name nobody bound. Areas that only react to a transition
(notifications) subscribe to the ``transitioned`` signal instead.

``run`` checks the row's version, triggers the event with a context object, lets the routing condition
pick the destination, runs the guards (the first refusal is the user's message, with a code programs read),
runs the effects and the audit writer, flushes and announces the transition. Nothing commits here: the
caller's unit of work holds state, version, audit row and every effect together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError

from workflow_app.core import faults
from workflow_app.core.errors import Conflict, UserError
from workflow_app.core.text import code_points, forbidden_characters
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db

signals = Namespace()
# Sent after every transition, inside its transaction (sender: the workflow's name; row, ctx, entry):
# subscribers add rows that commit or roll back with it (the notification outbox).
transitioned = signals.signal("transitioned")

COMMENT_MAX = 1000


class TransitionRefused(UserError):
    """The action does not exist in this state (``invalid_state``, HTTP 409), or a guard said no
    (``refused``, 422, the guard's name in ``guard``); ``message`` is for people."""

    def __init__(self, message: Any, *, code: str = "refused", guard: str | None = None):
        super().__init__(message, code=code, status=409 if code == "invalid_state" else 400
                         if code == "unknown_event" else 422)
        self.guard = guard


class ConcurrentChange(Conflict):
    """Someone else changed the row between reading and writing it; the message (worded when asked,
    after the rollback) says who."""

    def __init__(self, row_id: int, explain: Callable[[], Any] | None = None, *, category: str | None = None):
        super().__init__(explain=explain or (lambda: _l("This was changed by someone else meanwhile. "
                                                          "Please look at it again.")), category=category)
        self.row_id = row_id
        self.nomination_id = row_id  # the name callers of the nomination workflow know


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: list[str]
    dest: str
    when: str | None  # routing condition: which of several destinations applies
    guards: list[str]  # each may refuse, with a reason shown to the user
    effects: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # what the form must ask for besides the comment


def transition(trigger, source, dest, when, guards, effects=(), inputs=()) -> Transition:
    """Shorthand for the transition tables: ``source`` may be one state or a list."""
    return Transition(trigger, [source] if isinstance(source, str) else list(source), dest, when, list(guards),
                      list(effects), list(inputs))


@dataclass(frozen=True)
class Action:
    """What the interface needs to offer an event: the button's style, a question to confirm a step that
    cannot be undone, and whether bulk review offers it."""

    style: str = "primary"
    confirm: Any = None
    bulk: bool = False


@dataclass(frozen=True)
class Offer:
    """One action a page offers now, as the workflow describes it (templates, bulk review and the API
    read this; none keeps its own copy of which action needs what)."""

    event: str
    label: Any
    style: str
    confirm: Any
    needs_comment: bool
    inputs: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # input name -> the values it may take


@dataclass(kw_only=True)
class BaseContext:
    """What a transition knows while it runs; workflows subclass it with their own fields (their ``actor``,
    ``comment``, ``client_ip`` and ``acting_as`` at least)."""

    failure: Any = None
    failed_guard: str | None = None
    event: str = ""
    source: str = ""
    dest: str = ""
    row: Any = None  # the row the transition changes
    audit_entry: Any = None  # set by the workflow's audit writer

    def audit_fields(self) -> dict:
        """What every workflow's audit row records of a transition: the move, who, in which role and unit
        (names copied, so the record reads the same after a rename), the comment, the address, the time."""
        unit = self.acting_as.org_unit if self.acting_as else None
        return {"event": self.event, "from_state": self.source, "to_state": self.dest,
                "actor_id": self.actor.id if self.actor else None,
                "actor_name": self.actor.display_name if self.actor else "system",
                "actor_role": self.acting_as.role if self.acting_as else "system",
                "actor_unit_name": unit.name if unit else "", "comment": str(self.comment or "").strip(),
                "client_ip": self.client_ip, "created_at": utcnow()}


class Registry(dict):
    """Named functions (guards, effects …), registered with a decorator."""

    def __call__(self, func: Callable) -> Callable:
        self[func.__name__] = func
        return func


def comment_given(ctx):
    """Returning or rejecting needs a reason the submitter can act on (shared by every workflow)."""
    if not (ctx.comment or "").strip():
        return _l("Please give a reason in the comment.")
    return None


def stamp_submission(ctx) -> None:
    """Who submitted, and when (every workflow's submit)."""
    ctx.row.submitted_by_id = ctx.actor.id if ctx.actor else None
    ctx.row.submitted_at = utcnow()


def comment_is_valid(ctx):
    """At most COMMENT_MAX characters, none of them invisible control characters (every workflow)."""
    comment = str(ctx.comment or "")
    if len(comment) > COMMENT_MAX:
        return _l("The comment is longer than %(count)d characters.", count=COMMENT_MAX)
    found = forbidden_characters(comment)
    if found:
        return _l("The comment contains invisible control characters (%(codes)s); remove them.",
                  codes=code_points(found))
    return None


class Workflow:
    """One workflow: its machine, and the names its areas bind."""

    def __init__(self, *, name: str, states: list[str], initial: str, transitions: list[Transition],
                 actions: dict[str, Action], event_labels: dict, state_labels: dict,
                 permission_guards: set[str], comment_guards: list[str],
                 not_possible: Callable[[Any, Any], Any], refused: Any):
        self.name = name
        self.states = states
        self.transitions = transitions
        self.actions = actions
        self.event_labels = event_labels
        self.state_labels = state_labels
        self.permission_guards = permission_guards
        # Checks on the comment's text that every transition runs first, whoever calls: the web form, bulk
        # review, the API and the command line get the same answer.
        self.comment_guards = comment_guards
        self.not_possible = not_possible  # (action label, state label) -> message for people
        self.refused = refused  # the message when a guard refused without saying why
        self.events = list(dict.fromkeys(t.trigger for t in transitions))
        self.guards = Registry(comment_given=comment_given, comment_is_valid=comment_is_valid)
        self.effects = Registry(stamp_submission=stamp_submission)
        self.routes = Registry()
        # input name -> does this transition ask for it here (ctx -> bool), or the values it may take (a tuple)
        self.inputs = Registry()
        self.providers = Registry()  # what the context reads from the areas (the review chain …)
        self.audit: Callable[[Any], None] | None = None  # writes the transition's audit row
        self.explain_conflict: Callable[[int], Any] | None = None  # who was first, for ConcurrentChange
        # One machine for the process with no models attached: rows loaded by SQLAlchemy never run
        # __init__, and per-row machines cost memory. Events are triggered with the row.
        self.machine = Machine(
            model=None,
            states=states,
            initial=initial,
            transitions=[self._definition(t) for t in transitions],
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )

    # ------------------------------------------------------------ binding
    def guard(self, func: Callable) -> Callable:
        return self.guards(func)

    def effect(self, func: Callable) -> Callable:
        return self.effects(func)

    def route(self, func: Callable) -> Callable:
        return self.routes(func)

    def provider(self, func: Callable) -> Callable:
        return self.providers(func)

    def input(self, func: Callable) -> Callable:
        return self.inputs(func)

    def audit_writer(self, func: Callable) -> Callable:
        self.audit = func
        return func

    def conflict_explainer(self, func: Callable) -> Callable:
        self.explain_conflict = func
        return func

    def unbound(self) -> list[str]:
        """Names the definition uses that no area has bound."""
        missing = [f"guard {name}" for t in self.transitions for name in [*self.comment_guards, *t.guards]
                   if name not in self.guards]
        missing += [f"effect {name}" for t in self.transitions for name in t.effects if name not in self.effects]
        missing += [f"route {t.when}" for t in self.transitions if t.when and t.when not in self.routes]
        missing += [f"input {name}" for t in self.transitions for name in t.inputs if name not in self.inputs]
        if self.audit is None:
            missing.append("the audit writer")
        return list(dict.fromkeys(missing))

    def check_bound(self) -> None:
        missing = self.unbound()
        if missing:
            raise RuntimeError(f"workflow {self.name!r}: nothing is bound to {', '.join(missing)}")

    # ------------------------------------------------------------ the machine
    def _condition(self, name: str, is_route: bool) -> Callable:
        def run(event) -> bool:
            ctx = event.kwargs["ctx"]
            if is_route:
                return bool(self.routes[name](ctx))
            reason = self.guards[name](ctx)
            if reason is not None and ctx.failure is None:
                ctx.failure, ctx.failed_guard = reason, name
            return reason is None

        run.__name__ = name
        return run

    def _effect(self, name: str) -> Callable:
        """The effect bound to ``name``, looked up when it runs (areas bind after the machine is built)."""
        return lambda event: self.effects[name](event.kwargs["ctx"])

    def _definition(self, item: Transition) -> dict:
        conditions = [self._condition(item.when, True)] if item.when else []
        conditions += [self._condition(name, False) for name in [*self.comment_guards, *item.guards]]
        effects = [self._effect(name) for name in item.effects]
        return {
            "trigger": item.trigger,
            "source": item.source,
            "dest": item.dest,
            "conditions": conditions,
            "before": [_remember_move, _point("transition.guards_passed")],
            "after": [_point("transition.state_changed"), *effects, _point("transition.before_audit"),
                      lambda event: self.audit(event.kwargs["ctx"]), _point("transition.audit_written")],
        }

    def run(self, row, event: str, ctx, *, expected_version: int | None = None) -> None:
        """Apply ``event`` to ``row`` with ``ctx`` or raise TransitionRefused / ConcurrentChange.
        The row needs ``state``, ``version`` (its mapper's version column) and ``state_since``."""
        if event not in self.machine.events:
            raise TransitionRefused(_l("Unknown action."), code="unknown_event")
        row_id = row.id  # still readable after a failed flush
        ctx.row = row
        if expected_version is not None and expected_version != row.version:
            raise self._conflict(row_id)
        try:
            done = self.machine.events[event].trigger(row, ctx=ctx)
            if done:
                row.state_since = utcnow()
                db.session.flush()  # the UPDATE carries "WHERE version = :read": a lost race matches no row
        except MachineError:
            raise TransitionRefused(self.not_possible(self.event_labels[event], self.state_labels[row.state]),
                                    code="invalid_state") from None
        except StaleDataError:
            raise self._conflict(row_id) from None
        if not done:
            raise TransitionRefused(ctx.failure or self.refused, guard=ctx.failed_guard)
        transitioned.send(self.name, row=row, ctx=ctx, entry=ctx.audit_entry)

    def _conflict(self, row_id: int) -> ConcurrentChange:
        explain = self.explain_conflict
        return ConcurrentChange(row_id, (lambda: explain(row_id)) if explain else None)

    # ------------------------------------------------------------ what the interface asks
    def routed(self, row, event: str, ctx) -> Transition | None:
        """The transition ``event`` would take from the row's state, or None."""
        for item in self.transitions:
            if item.trigger == event and row.state in item.source and (not item.when or self.routes[item.when](ctx)):
                return item
        return None

    def available(self, row, ctx) -> list[str]:
        """Events worth offering: a route leads somewhere and every permission guard passes.
        Guards about the row itself (quota, deadline, completeness) are checked when fired."""
        result: list[str] = []
        for item in self.transitions:
            if row.state not in item.source or item.trigger in result:
                continue
            if item.when and not self.routes[item.when](ctx):
                continue
            if all(self.guards[name](ctx) is None for name in item.guards if name in self.permission_guards):
                result.append(item.trigger)
        return result

    def describe(self, row, ctx) -> list[Offer]:
        """The actions the page offers this person now, with what each needs."""
        offers = []
        for event in self.available(row, ctx):
            item = self.routed(row, event, ctx)
            action = self.actions.get(event, Action())
            asked = {name: self.inputs[name](ctx) for name in item.inputs} if item else {}
            label = self.event_labels[event]
            offers.append(Offer(event=event, label=label, style=action.style,
                                confirm=action.confirm % {"action": label} if action.confirm else None,
                                needs_comment=bool(item and "comment_given" in item.guards),
                                inputs=tuple(name for name, answer in asked.items() if answer),
                                choices={name: tuple(answer) for name, answer in asked.items()
                                         if answer and not isinstance(answer, bool)}))
        return offers

    def needs_comment(self, event: str) -> bool:
        """Whether every transition of ``event`` asks for a reason (for forms that act on many rows)."""
        items = [t for t in self.transitions if t.trigger == event]
        return bool(items) and all("comment_given" in t.guards for t in items)

    def bulk_events(self) -> list[str]:
        return [event for event in self.events if self.actions.get(event, Action()).bulk]

    def check_comment(self, event: str, ctx) -> Any:
        """The refusal the comment alone earns for ``event`` (before any row is looked at), or None."""
        names = [*self.comment_guards, *(["comment_given"] if self.needs_comment(event) else [])]
        for name in names:
            reason = self.guards[name](ctx)
            if reason is not None:
                return reason
        return None

    def mermaid(self, initial: str, finals: list[str]) -> str:
        """The workflow as a Mermaid state diagram (docs/workflow.md shows it; a test keeps it current)."""
        lines = ["stateDiagram-v2", f"    [*] --> {initial}"]
        for item in self.transitions:
            label = item.trigger + (f" [{item.when}]" if item.when else "")
            lines += [f"    {source} --> {item.dest}: {label}" for source in item.source]
        lines += [f"    {state} --> [*]" for state in finals]
        return "\n".join(lines) + "\n"


def _point(name: str) -> Callable:
    """A named failure point between two steps of a transition (workflow_app/core/faults.py)."""
    return lambda event: faults.reached(name)


def _remember_move(event) -> None:
    ctx = event.kwargs["ctx"]
    ctx.source, ctx.dest, ctx.event = event.transition.source, event.transition.dest, event.event.name
