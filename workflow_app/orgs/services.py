"""Creating and walking the org tree."""

from __future__ import annotations

from sqlalchemy import select

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
