"""Who may see and do what. Detail pages and list queries use the same rules, so a
list never shows what the detail page would refuse, and the other way round (the to-do list's
"waiting for me" is ``review.queries.todo_filter``, built from the same rules).

A delegate (see ``workflow_app/delegations``) sees and acts on what their delegators review,
on the days of the delegation only: the same rules, applied to the delegator's reviewer roles."""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import ColumnElement, and_, false, or_, select

from states.nomination import EDITABLE
from workflow_app.auth.models import RoleAssignment, User
from workflow_app.core.timeutil import china_today
from workflow_app.delegations.queries import active_delegators
from workflow_app.jobs.models import Job
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import in_subtree
from workflow_app.stats.models import StatisticsReport
from workflow_app.stats.services import reporting_units


def units_under(paths: list[str]):
    return select(OrgUnit.id).where(or_(*[in_subtree(path) for path in paths]))


def delegated_reviews(user: User) -> list[RoleAssignment]:
    """The reviewer roles of everyone ``user`` stands in for today (China date). Looked up once
    per request: lists, the header count and detail pages all ask."""
    if user is None or not getattr(user, "id", None):
        return []
    key = (user.id, china_today())
    cache = g.setdefault("_delegated_reviews", {}) if has_request_context() else {}
    if key not in cache:
        cache[key] = [a for delegator in active_delegators(user, key[1]) for a in delegator.assignments("reviewer")]
    return cache[key]


def visible_filter(user: User) -> ColumnElement[bool]:
    """Nominations ``user`` may see: their own unit's (drafts too) as a chair; every
    submitted one in their jurisdiction as a reviewer or administrator (or as a delegate)."""
    clauses = []
    chair_paths = [a.org_unit.path for a in user.assignments("submitter")]
    if chair_paths:
        clauses.append(Nomination.org_unit_id.in_(units_under(chair_paths)))
    oversight_paths = [a.org_unit.path for a in user.roles if a.role in ("reviewer", "admin")]
    oversight_paths += [a.org_unit.path for a in delegated_reviews(user)]
    if oversight_paths:
        clauses.append(and_(Nomination.state != "draft", Nomination.org_unit_id.in_(units_under(oversight_paths))))
    return or_(*clauses) if clauses else false()


def can_view(user: User, nomination: Nomination) -> bool:
    unit = nomination.org_unit
    for assignment in user.roles:
        if not assignment.org_unit.contains(unit):
            continue
        if assignment.role == "submitter" or nomination.state != "draft":
            return True
    if nomination.state == "draft":
        return False
    return any(a.org_unit.contains(unit) for a in delegated_reviews(user))


def is_unit_chair(user: User, nomination: Nomination) -> bool:
    """A chair of the nominating unit (or of a unit above it), whatever the nomination's state."""
    return any(a.org_unit.contains(nomination.org_unit) for a in user.assignments("submitter"))


def can_edit(user: User, nomination: Nomination) -> bool:
    """Chairs of the nominating unit edit drafts and returned nominations."""
    return nomination.state in EDITABLE and is_unit_chair(user, nomination)


def submitting_units(user: User) -> list[OrgUnit]:
    """Units the user may create nominations for (branches where they are chair)."""
    return [a.org_unit for a in user.assignments("submitter") if a.org_unit.level == "branch"]


def admin_counties(user: User) -> list[OrgUnit]:
    """Counties (or larger units' counties) the user administers."""
    return [a.org_unit for a in user.assignments("admin")]


def is_county_admin(user: User) -> bool:
    """County administrators alone import units and users and export unmasked personal data."""
    return any(a.org_unit.level == "county" for a in user.assignments("admin"))


def can_administer(user: User, unit: OrgUnit) -> bool:
    return any(a.org_unit.contains(unit) for a in user.assignments("admin"))


def administered_filter(user: User) -> ColumnElement[bool]:
    """Nominations in units ``user`` administers (``can_administer`` as a query: batch jobs re-check
    their selection with it when they run)."""
    paths = [a.org_unit.path for a in user.assignments("admin")]
    return Nomination.org_unit_id.in_(units_under(paths)) if paths else false()


# ---------------------------------------------------------------- statistics
def _oversight(user: User) -> list[RoleAssignment]:
    return [a for a in user.roles if a.role in ("reviewer", "admin")]


def statistics_counties(user: User) -> list[OrgUnit]:
    """Counties whose dashboards the user sees: reviewers and admins at county level."""
    return [a.org_unit for a in _oversight(user) if a.org_unit.level == "county"]


def report_filter(user: User) -> ColumnElement[bool]:
    """Statistics reports ``user`` may see: those of units in their reviewer or admin jurisdiction."""
    paths = [a.org_unit.path for a in _oversight(user)]
    return StatisticsReport.org_unit_id.in_(units_under(paths)) if paths else false()


def can_view_report(user: User, report) -> bool:
    return any(a.org_unit.contains(report.org_unit) for a in _oversight(user))


def filing_units(user: User) -> list[OrgUnit]:
    """Units the user may file statistics for: their own township; for a county admin, every
    township of the county and the county itself (its county-direct units)."""
    units: dict[int, OrgUnit] = {}
    for assignment in _oversight(user):
        if assignment.org_unit.level == "township":
            units[assignment.org_unit_id] = assignment.org_unit
        elif assignment.role == "admin" and assignment.org_unit.level == "county":
            units.update({unit.id: unit for unit in reporting_units(assignment.org_unit)})
    return sorted(units.values(), key=lambda unit: unit.code)


# ---------------------------------------------------------------- background jobs
def _county_admin_paths(user: User) -> list[str]:
    return [a.org_unit.path for a in user.assignments("admin") if a.org_unit.level == "county"]


def can_view_job(user: User, job) -> bool:
    """A job, its progress and its result file: for the person who started it, and for the county
    administrators over the unit its data comes from."""
    if job.created_by_id == user.id:
        return True
    return any(job.unit.path.startswith(path) for path in _county_admin_paths(user))


def jobs_filter(user: User) -> ColumnElement[bool]:
    """The jobs list: the same rule as ``can_view_job``."""
    paths = _county_admin_paths(user)
    clauses = [Job.created_by_id == user.id]
    if paths:
        clauses.append(Job.unit_id.in_(units_under(paths)))
    return or_(*clauses)
