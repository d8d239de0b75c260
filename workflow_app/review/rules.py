"""The nomination workflow's rules for going back down the review chain, bound by name to
``states.nomination`` when the app loads this module:

- a return to a lower level: which one (``return_level``, asked on the form: the lower levels of this
  nomination's chain, nearest first) and the check that the one sent is one of them;
- a recall: a reviewer takes back their own approval while it waits, untouched, at the next level —
  the nomination's last audit row is that approval (``next_level_has_not_acted``), and the actor made it,
  or stands in today for the reviewer who did (``actor_made_the_last_approval``).

Who reviews, the comment and the audit row are the rules every review shares (``nominations/rules.py``).
A guard returns None when satisfied, else the reason for the user.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.nomination import EVENT_LABELS, LEVEL_OF_STATE, WORKFLOW, Context
from workflow_app.core.formats import moment_text
from workflow_app.delegations.queries import active_delegators
from workflow_app.extensions import db
from workflow_app.nominations.fields import LEVEL_LABELS
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.nominations.rules import assignment_of


# ---------------------------------------------------------------- a return to a lower level
@WORKFLOW.input
def return_level(ctx: Context) -> tuple[str, ...]:
    """The levels the form offers to return the nomination to (none: the button is not there)."""
    return tuple(ctx.lower_levels())


@WORKFLOW.guard
def return_level_chosen(ctx: Context):
    lower = ctx.lower_levels()
    if ctx.data.get("return_level") in lower:
        return None
    return _l("Choose the level to return it to: %(levels)s.",
              levels="、".join(str(LEVEL_LABELS[level]) for level in lower))


# ---------------------------------------------------------------- recalling an approval
@WORKFLOW.provider
def last_audit_entry(nomination: Nomination) -> AuditEntry | None:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                              .order_by(AuditEntry.id.desc()).limit(1)).first()


def _is_the_approval(entry: AuditEntry | None, ctx: Context) -> bool:
    """Whether ``entry`` is the approval that brought the nomination from the level below to where it is."""
    return (entry is not None and entry.event == "approve" and entry.to_state == ctx.nomination.state
            and LEVEL_OF_STATE.get(entry.from_state) == ctx.previous_level())


@WORKFLOW.guard
def next_level_has_not_acted(ctx: Context):
    entry = ctx.last_entry()
    if _is_the_approval(entry, ctx):
        return None
    if entry is None or entry.event == "submit":
        return _l("There is no approval to recall.")
    return _l("%(name)s has acted on it since (%(action)s, %(time)s): the approval can no longer be recalled.",
              name=entry.actor_name, action=EVENT_LABELS.get(entry.event, entry.event),
              time=moment_text(entry.created_at))


@WORKFLOW.guard
def actor_made_the_last_approval(ctx: Context):
    """The approver (or the reviewer a delegate approved for) recalls it, as a reviewer of that level still;
    a delegate standing in for the approver today may too, recorded as "on behalf of"."""
    entry = ctx.last_entry()
    ctx.acting_as = ctx.on_behalf_of = None
    if not _is_the_approval(entry, ctx) or ctx.actor is None:
        return _l("Only the reviewer who approved it may recall the approval.")
    approvers = {entry.actor_id, entry.on_behalf_of_id} - {None}
    unit, level = ctx.nomination.org_unit, ctx.previous_level()
    if ctx.actor.id in approvers:
        ctx.acting_as = assignment_of(ctx.actor, "reviewer", unit, level)
    if ctx.acting_as is None:
        for delegator in active_delegators(ctx.actor, ctx.today):
            if delegator.id in approvers:
                ctx.acting_as = assignment_of(delegator, "reviewer", unit, level)
                if ctx.acting_as is not None:
                    ctx.on_behalf_of = delegator
                    break
    if ctx.acting_as is None:
        return _l("Only the reviewer who approved it (%(name)s) may recall the approval.", name=entry.actor_name)
    return None
