"""Bulk review: several nominations, one action and one comment, each done on its own.

Each nomination goes through ``nominations.services.perform_transition`` separately: its own
guards, its own audit row, its own commit. A refusal is recorded and the next one is tried."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from states.nomination import EVENT_LABELS, TransitionRefused
from workflow_app.auth.models import User
from workflow_app.certificates.printable import unprintable, unprintable_message
from workflow_app.core.text import code_points, forbidden_characters
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.services import NominationError, perform_transition
from workflow_app.policy import can_view
from workflow_app.web import parse_id

BULK_EVENTS = ("approve", "return_for_revision")
MAX_SELECTION = 200


@dataclass
class Outcome:
    nomination_id: int
    nominee: str  # the name, or "#id" for a nomination the actor may not see
    reason: str = ""


@dataclass
class BulkResult:
    event: str
    succeeded: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)


def parse_ids(values) -> list[int]:
    """Distinct positive ids in the order given (at most MAX_SELECTION); junk is dropped."""
    ids: list[int] = []
    for value in values:
        number = parse_id(str(value).strip())  # ASCII digits within the column's range: "²" is no id
        if number is not None and number not in ids:
            ids.append(number)
    return ids[:MAX_SELECTION]


def check_request(event: str, comment: str, ids: list[int]) -> None:
    """Refuse what cannot be confirmed: no selection, an action not offered, a return without reason."""
    if event not in BULK_EVENTS:
        raise NominationError(_l("Unknown action."))
    if not ids:
        raise NominationError(_l("Select at least one nomination."))
    if event == "return_for_revision" and not (comment or "").strip():
        raise NominationError(_l("A return for revision needs a comment: say what to revise."))
    if len(comment or "") > 1000:
        raise NominationError(_l("The comment is longer than 1,000 characters."))
    if forbidden_characters(comment or ""):
        raise NominationError(_l("The comment contains invisible control characters (%(codes)s); remove them.",
                                 codes=code_points(forbidden_characters(comment))))
    if unprintable(comment or ""):  # an approval's comment is printed on the approval form
        raise NominationError(unprintable_message(unprintable(comment)))


def selection(actor: User, ids: list[int]) -> tuple[list[Nomination], list[int]]:
    """The selected nominations the actor may see (in the order given), and the other ids."""
    rows = {n.id: n for n in db.session.scalars(select(Nomination).where(Nomination.id.in_(ids))).unique()}
    visible = [rows[i] for i in ids if i in rows and can_view(actor, rows[i])]
    seen = {n.id for n in visible}
    return visible, [i for i in ids if i not in seen]


def bulk_review(actor: User, ids: list[int], event: str, comment: str = "", *,
                client_ip: str | None = None) -> BulkResult:
    """Perform ``event`` on each nomination separately; returns what succeeded and why each other failed.
    Raises NominationError when the request itself is refused (see ``check_request``)."""
    ids = parse_ids(ids)
    check_request(event, comment, ids)
    result = BulkResult(event=event)
    for nomination_id in ids:
        nomination = db.session.get(Nomination, nomination_id)
        if nomination is None or not can_view(actor, nomination):
            result.failed.append(Outcome(nomination_id, f"#{nomination_id}",
                                         str(_l("Not found, or outside your jurisdiction."))))
            continue
        name = nomination.nominee_name or f"#{nomination_id}"
        try:
            perform_transition(nomination, event, actor, comment or "", client_ip=client_ip)
        except TransitionRefused as refusal:
            result.failed.append(Outcome(nomination_id, name, str(refusal.message)))
        except NominationError as error:
            result.failed.append(Outcome(nomination_id, name, str(error.message)))
        else:
            result.succeeded.append(Outcome(nomination_id, name))
    return result


def event_label(event: str) -> str:
    return str(EVENT_LABELS[event])
