"""The to-do list (待办) and what hangs on it: who waits for whom, the next to-do, the overdue rule, and the
units that keep the county waiting. A fixed number of statements per page, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import ColumnElement, and_, false, func, or_, select

from states.nomination import IN_REVIEW, LEVEL_OF_STATE, REVIEW_STATE, STATES
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.campaigns.models import Campaign
from workflow_app.core.timeutil import utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import ListFilters, Page, filtered, ordered, page_of, sort_column
from workflow_app.orgs.models import OrgUnit
from workflow_app.policy import delegated_reviews, units_under

# To-dos that can be late: reviews waiting at a level, and returned nominations waiting for the chair.
WAITING_STATES = (*IN_REVIEW, "returned")


# ---------------------------------------------------------------- who waits for whom
def _review_clause(assignment: RoleAssignment, people: list[int]) -> ColumnElement[bool]:
    """Reviews waiting at ``assignment``'s level in its subtree, except submissions of ``people``."""
    return and_(
        Nomination.state == REVIEW_STATE[assignment.org_unit.level],
        Nomination.org_unit_id.in_(units_under([assignment.org_unit.path])),
        Nomination.created_by_id.not_in(people),
        or_(Nomination.submitted_by_id.is_(None), Nomination.submitted_by_id.not_in(people)),
    )


def todo_filter(user: User) -> ColumnElement[bool]:
    """Nominations waiting for ``user``: reviews at their level in their jurisdiction (not their own
    submissions), returned nominations of their unit, notices for admins to close (or to record as ended),
    and the reviews of those they stand in for today (not the delegate's nor the delegator's own). The same
    rules as ``policy.visible_filter``, plus "at my level"."""
    clauses = []
    for assignment in user.roles:
        units = units_under([assignment.org_unit.path])
        if assignment.role == "reviewer" and assignment.org_unit.level in REVIEW_STATE:
            clauses.append(_review_clause(assignment, [user.id]))
        elif assignment.role == "submitter":
            clauses.append(and_(Nomination.state == "returned", Nomination.org_unit_id.in_(units)))
        elif assignment.role == "admin" and assignment.org_unit.level == "county":
            clauses.append(and_(Nomination.state == "public_notice", Nomination.org_unit_id.in_(units)))
    for assignment in delegated_reviews(user):
        if assignment.org_unit.level in REVIEW_STATE:
            clauses.append(_review_clause(assignment, [user.id, assignment.user_id]))
    return or_(*clauses) if clauses else false()


def todo_page(user: User, filters: ListFilters, per_page: int = 20) -> Page:
    return page_of(todo_filter(user), filters, per_page)


def todo_ids(user: User, filters: ListFilters | None = None) -> list[int]:
    """The ids of the whole (filtered) to-do list in list order, all pages (one query, ids only)."""
    filters = filters or ListFilters()
    return list(db.session.scalars(ordered(filtered(select(Nomination.id).where(todo_filter(user)), filters),
                                           filters.sort)))


def next_todo_id(user: User, nomination: Nomination, filters: ListFilters | None = None) -> int | None:
    """The nomination after ``nomination`` in ``user``'s to-do list as filtered and sorted by ``filters``;
    None when it is last or not in that list. Two short statements (a keyset seek), whatever its length."""
    filters = filters or ListFilters()
    waiting = filtered(select(Nomination.id).where(todo_filter(user)), filters)
    if db.session.scalar(waiting.where(Nomination.id == nomination.id)) is None:
        return None
    sort = filters.sort
    query, column, descending = sort_column(waiting, sort)
    key = sort.lstrip("-")
    if key == "unit":
        value = nomination.org_unit.name
    elif key == "state":
        value = STATES.index(nomination.state)
    else:
        value = getattr(nomination, "nominee_name" if key == "name" else "updated_at")
    later = column < value if descending else column > value
    tie = Nomination.id < nomination.id if descending else Nomination.id > nomination.id
    order = (column.desc(), Nomination.id.desc()) if descending else (column.asc(), Nomination.id.asc())
    return db.session.scalar(query.where(or_(later, and_(column == value, tie))).order_by(*order).limit(1))


def todo_count(user: User) -> int:
    """The header's to-do badge: one COUNT, unless the to-do page already counted the same list."""
    if not user.is_authenticated:
        return 0
    known = g.get("todo_count") if has_request_context() else None
    if known is not None:
        return known
    return db.session.scalar(select(func.count()).select_from(Nomination).where(todo_filter(user))) or 0


def remember_todo_count(total: int) -> None:
    """The unfiltered to-do list's total, for the header badge of the same request."""
    g.todo_count = total


# ---------------------------------------------------------------- overdue
def waiting_since():
    """When a nomination started waiting (rows older than ``state_since`` use their last update)."""
    return func.coalesce(Nomination.state_since, Nomination.updated_at)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """To-dos waiting longer than their campaign's ``reminder_days`` (0 turns reminders off).
    One small query for the distinct settings; the clause itself is plain SQL on any database."""
    settings = db.session.scalars(select(Campaign.reminder_days).distinct()).all()
    parts = [
        and_(Nomination.campaign_id.in_(select(Campaign.id).where(Campaign.reminder_days == days)),
             waiting_since() < now - timedelta(days=days))
        for days in settings if days and days > 0
    ]
    return and_(Nomination.state.in_(WAITING_STATES), or_(*parts)) if parts else false()


def overdue_from(nomination: Nomination) -> datetime | None:
    """The moment after which ``nomination`` counts as overdue, or None when it never will as it is."""
    days = nomination.campaign.reminder_days
    since = nomination.state_since or nomination.updated_at
    if nomination.state not in WAITING_STATES or not days or days <= 0 or since is None:
        return None
    return since + timedelta(days=days)


def is_overdue(nomination: Nomination, now: datetime) -> bool:
    """The same rule as ``overdue_clause``, for rows already loaded."""
    moment = overdue_from(nomination)
    return moment is not None and moment < now


@dataclass
class LateUnit:
    unit: OrgUnit
    overdue: int
    oldest_days: int


def late_units(county: OrgUnit, now: datetime | None = None) -> list[LateUnit]:
    """Units with overdue to-dos in ``county``: the unit that must act (the reviewing level's
    unit, or the branch for a returned nomination). Three queries, whatever the numbers."""
    now = now or utcnow()
    in_county = select(OrgUnit.id).where(OrgUnit.path.startswith(county.path))
    groups = db.session.execute(
        select(Nomination.org_unit_id, Nomination.state, func.count(Nomination.id), func.min(waiting_since()))
        .where(overdue_clause(now), Nomination.org_unit_id.in_(in_county))
        .group_by(Nomination.org_unit_id, Nomination.state)
    ).all()
    if not groups:
        return []
    units = {unit.id: unit for unit in db.session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(county.path)))}
    totals: dict[int, list] = {}
    for unit_id, state, count, oldest in groups:
        unit = units[unit_id]
        level = LEVEL_OF_STATE.get(state)
        if level is not None:
            responsible = next((units[i] for i in unit.ancestor_ids if i in units and units[i].level == level), unit)
        else:
            responsible = unit
        if oldest is not None and oldest.tzinfo is None:  # an aggregate comes back without the column type
            oldest = oldest.replace(tzinfo=UTC)
        entry = totals.setdefault(responsible.id, [responsible, 0, oldest])
        entry[1] += count
        entry[2] = min(entry[2], oldest)
    result = [LateUnit(unit, count, (now - oldest).days) for unit, count, oldest in totals.values()]
    return sorted(result, key=lambda row: (-row.oldest_days, -row.overdue, row.unit.path))
