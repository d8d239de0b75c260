"""What every workflow here shares: transitions as data, named guards and effects, one
module-level ``transitions.Machine`` per workflow with no models attached, and ``Workflow.run``
— the only code that changes a row's ``state``.

A workflow module (``states/nomination.py``, ``states/statistics_report.py``) declares its states,
its transitions and its guards and effects by name; ``run`` checks the row's version, triggers the
event with a context object, lets the routing condition pick the destination, runs the guards
(the first refusal is the user's message), runs the effects and the audit writer, and flushes.
Nothing commits here: the caller's transaction holds state, version and audit row together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError

from workflow_app.core import faults
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db


class TransitionRefused(Exception):
    """A guard said no, or the action does not exist in this state; ``message`` is for people."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


class ConcurrentChange(Exception):
    """Someone else changed the row between reading and writing it."""

    def __init__(self, row_id: int):
        super().__init__(f"row {row_id} was changed concurrently")
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


def transition(trigger, source, dest, when, guards, effects=()) -> Transition:
    """Shorthand for the transition tables: ``source`` may be one state or a list."""
    return Transition(trigger, [source] if isinstance(source, str) else list(source), dest, when, list(guards),
                      list(effects))


@dataclass(kw_only=True)
class BaseContext:
    """What a transition knows while it runs; workflows subclass it with their own fields."""

    failure: Any = None
    event: str = ""
    source: str = ""
    dest: str = ""
    audit_entry: Any = None  # set by the workflow's audit writer


class Registry(dict):
    """Named functions (guards or effects), registered with a decorator."""

    def __call__(self, func: Callable) -> Callable:
        self[func.__name__] = func
        return func


def comment_given(ctx):
    """Returning or rejecting needs a reason the submitter can act on (shared by every workflow)."""
    if not (ctx.comment or "").strip():
        return _l("Please give a reason in the comment.")
    return None


class Workflow:
    """One workflow: its machine, guards, effects and audit writer."""

    def __init__(self, *, states: list[str], initial: str, transitions: list[Transition],
                 routes: dict[str, Callable[[Any], bool]], guards: Registry, effects: Registry,
                 record_audit: Callable[[Any], None], event_labels: dict, state_labels: dict,
                 not_possible: Callable[[Any, Any], Any], refused: Any):
        self.states = states
        self.transitions = transitions
        self.routes = routes
        self.guards = guards
        self.effects = effects
        self.record_audit = record_audit
        self.event_labels = event_labels
        self.state_labels = state_labels
        self.not_possible = not_possible  # (action label, state label) -> message for people
        self.refused = refused  # the message when a guard refused without saying why
        self.events = list(dict.fromkeys(t.trigger for t in transitions))
        # One machine for the process with no models attached: rows loaded by SQLAlchemy never
        # run __init__, and per-row machines cost memory. Events are triggered with the row.
        self.machine = Machine(
            model=None,
            states=states,
            initial=initial,
            transitions=[self._definition(t) for t in transitions],
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )

    def _condition(self, name: str, is_route: bool) -> Callable:
        check = self.routes[name] if is_route else self.guards[name]

        def run(event) -> bool:
            ctx = event.kwargs["ctx"]
            if is_route:
                return bool(check(ctx))
            reason = check(ctx)
            if reason is not None and ctx.failure is None:
                ctx.failure = reason
            return reason is None

        run.__name__ = name
        return run

    def _definition(self, item: Transition) -> dict:
        conditions = [self._condition(item.when, True)] if item.when else []
        conditions += [self._condition(name, False) for name in item.guards]
        effects = [(lambda fn: lambda event: fn(event.kwargs["ctx"]))(self.effects[name]) for name in item.effects]
        return {
            "trigger": item.trigger,
            "source": item.source,
            "dest": item.dest,
            "conditions": conditions,
            "before": [_remember_move, _point("transition.guards_passed")],
            "after": [_point("transition.state_changed"), *effects, _point("transition.before_audit"),
                      lambda event: self.record_audit(event.kwargs["ctx"]), _point("transition.audit_written")],
        }

    def run(self, row, event: str, ctx, *, expected_version: int | None = None) -> None:
        """Apply ``event`` to ``row`` with ``ctx`` or raise TransitionRefused / ConcurrentChange.
        The row needs ``state``, ``version`` (its mapper's version column) and ``state_since``."""
        if event not in self.machine.events:
            raise TransitionRefused(_l("Unknown action."))
        row_id = row.id  # still readable after a failed flush
        if expected_version is not None and expected_version != row.version:
            raise ConcurrentChange(row_id)
        try:
            done = self.machine.events[event].trigger(row, ctx=ctx)
            if done:
                row.state_since = utcnow()
                db.session.flush()  # the UPDATE carries "WHERE version = :read": a lost race matches no row
        except MachineError:
            raise TransitionRefused(
                self.not_possible(self.event_labels[event], self.state_labels[row.state])
            ) from None
        except StaleDataError:
            raise ConcurrentChange(row_id) from None
        if not done:
            raise TransitionRefused(ctx.failure or self.refused)

    def mermaid(self, initial: str, finals: list[str]) -> str:
        """The workflow as a Mermaid state diagram (docs/workflow.md shows it; a test keeps it current)."""
        lines = ["stateDiagram-v2", f"    [*] --> {initial}"]
        for item in self.transitions:
            label = item.trigger + (f" [{item.when}]" if item.when else "")
            lines += [f"    {source} --> {item.dest}: {label}" for source in item.source]
        lines += [f"    {state} --> [*]" for state in finals]
        return "\n".join(lines) + "\n"

    def available(self, row, ctx, permission_guards: set[str]) -> list[str]:
        """Events worth offering: a route leads somewhere and every permission guard passes.
        Guards about the row itself (quota, deadline, completeness) are checked when fired."""
        result: list[str] = []
        for item in self.transitions:
            if row.state not in item.source or item.trigger in result:
                continue
            if item.when and not self.routes[item.when](ctx):
                continue
            if all(self.guards[name](ctx) is None for name in item.guards if name in permission_guards):
                result.append(item.trigger)
        return result


def _point(name: str) -> Callable:
    """A named failure point between two steps of a transition (workflow_app/core/faults.py)."""
    return lambda event: faults.reached(name)


def _remember_move(event) -> None:
    ctx = event.kwargs["ctx"]
    ctx.source, ctx.dest, ctx.event = event.transition.source, event.transition.dest, event.event.name
