"""Creating and walking the org tree."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select

from workflow_app.extensions import db
from workflow_app.orgs.models import LEVELS, OrgUnit


def may_nest(level: str, parent_level: str) -> bool:
    """A unit sits only under a higher level (a branch under a township or straight under a county)."""
    return LEVELS.index(level) > LEVELS.index(parent_level)


def create_unit(*, level: str, code: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Add a unit under ``parent`` and fill its materialised path (flushes to get the id)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    if parent is not None and not may_nest(level, parent.level):
        raise ValueError(f"a {level} cannot sit under a {parent.level}")
    unit = OrgUnit(level=level, code=code, name=name, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    return unit


def in_subtree(path: str) -> ColumnElement[bool]:
    """``OrgUnit.path`` starts with ``path`` (which ends in ``/``), written as an index range:
    ``[path, path with its last "/" made "0")`` holds exactly the strings that start with ``path``
    when compared byte by byte ("/" is 0x2F, "0" is 0x30), as the column is (its "C" collation on
    PostgreSQL, migration 0010). ``LIKE 'x%'`` with a bound parameter never used the index on PostgreSQL
    and read every unit, several times a page."""
    return and_(OrgUnit.path >= path, OrgUnit.path < path[:-1] + "0")


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and every unit above it, from the root down, in one query."""
    ids = unit.ancestor_ids
    rows = db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def ancestor_at_level(unit: OrgUnit, level: str) -> OrgUnit | None:
    for candidate in ancestors(unit):
        if candidate.level == level:
            return candidate
    return None
