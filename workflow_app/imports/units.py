"""Importing org units (townships and branches) from a sheet.

Rules, decided here and shown in the template's notes:
- a unit is known by its code; a code already in the database with the same name is left
  unchanged, with another name it is renamed (an "update" in the preview);
- a different level or parent for an existing code is an error: moving units is not an import's job
  (nominations count against their township);
- parents may be rows further down the file or units already in the database; rows are created
  parents first; unknown parents, cycles, duplicate codes and wrong nesting are errors.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.auth.models import User
from workflow_app.extensions import db
from workflow_app.imports.common import ImportColumn, Plan, PlanItem, Record, RowError, check_required, word_lookup
from workflow_app.nominations.fields import LEVEL_LABELS
from workflow_app.orgs.models import OrgUnit
from workflow_app.orgs.services import create_unit, may_nest
from workflow_app.policy import can_administer

COLUMNS = [
    ImportColumn("code", _l("Unit code"), True,
                 _l("Unique code of the unit: letters and digits, at most 32 (e.g. the division code)."), "411624199"),
    ImportColumn("name", _l("Unit name"), True, _l("Full name of the union, at most 120 characters."),
                 "示例镇总工会"),
    ImportColumn("level", _l("Level"), True,
                 _l("township (also 乡镇 or 街道) or branch (also 基层工会)."), "乡镇"),
    ImportColumn("parent_code", _l("Parent unit code"), True,
                 _l("Code of the unit above: the county, a township, or a unit further down in this file."),
                 "411624"),
]
LIMITS = {"code": 32, "name": 120, "parent_code": 32}
CODE = re.compile(r"[A-Za-z0-9_-]+")
IMPORTABLE_LEVELS = ("township", "branch")
# Words people write in the level column besides the app's own labels.
LEVEL_WORDS = {"乡镇": "township", "街道": "township", "乡镇总工会": "township", "街道总工会": "township",
               "基层工会": "branch", "基层": "branch", "县直单位工会": "branch"}


def _level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def _parse(records: list[Record], errors: list[RowError]) -> dict[str, dict]:
    """Rows that passed the per-cell checks, by code. Every cell of a row is checked, so one
    upload lists all of a row's problems; a repeated code is an error on the later row."""
    read_level = word_lookup(LEVEL_WORDS, {level: LEVEL_LABELS[level] for level in IMPORTABLE_LEVELS})
    label = {c.key: str(c.label) for c in COLUMNS}
    rows: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    for record in records:
        values = record.values
        bad = not check_required(record, COLUMNS, errors, LIMITS)
        for key in ("code", "parent_code"):
            if values.get(key) and not CODE.fullmatch(values[key]):
                errors.append(RowError(record.row, label[key], _("Use letters, digits, “-” and “_” only.")))
                bad = True
        level = read_level(values.get("level", ""))
        if values.get("level") and level is None:
            errors.append(RowError(record.row, label["level"],
                                   _("Unknown level “%(value)s”: write township (乡镇/街道) or branch (基层工会).",
                                     value=values["level"])))
            bad = True
        code = values.get("code", "")
        if code in first_row:
            errors.append(RowError(record.row, label["code"], _("The code %(code)s is already on row %(row)d.",
                                                                 code=code, row=first_row[code])))
            continue
        if code:
            first_row[code] = record.row
        if not bad:
            rows[code] = {"row": record.row, "code": code, "name": values["name"], "level": level,
                          "parent_code": values["parent_code"]}
    return rows


def _order(rows: dict[str, dict], errors: list[RowError]) -> list[dict]:
    """Parents before their children; a chain of parents within the file that loops is an error."""
    ordered: list[dict] = []
    state: dict[str, str] = {}  # code -> "visiting" | "done" | "failed"
    label = str(COLUMNS[3].label)

    def visit(code: str, trail: list[str]) -> bool:
        if state.get(code) in ("done", "failed"):
            return state[code] == "done"
        if state.get(code) == "visiting":
            for member in trail[trail.index(code):]:
                errors.append(RowError(rows[member]["row"], label,
                                       _("The parent chain comes back to this unit (%(chain)s).",
                                         chain=" → ".join([*trail[trail.index(code):], code]))))
            return False
        state[code] = "visiting"
        parent = rows[code]["parent_code"]
        fine = visit(parent, [*trail, code]) if parent in rows else True
        state[code] = "done" if fine else "failed"
        if fine:
            ordered.append(rows[code])
        return fine

    for code in rows:
        visit(code, [])
    return ordered


def _anchor(code: str, rows: dict[str, dict], existing: dict[str, OrgUnit]) -> OrgUnit | None:
    """The first unit already in the database on the way up from ``code`` (itself included)."""
    seen: set[str] = set()
    while code not in existing and code in rows and code not in seen:
        seen.add(code)
        code = rows[code]["parent_code"]
    return existing.get(code)


def plan_units(records: list[Record], actor: User | None) -> Plan:
    """What importing ``records`` would do, or why it cannot. ``actor`` None is the command line
    (an administrator's act); otherwise every unit must lie in the actor's jurisdiction."""
    plan = Plan("units")
    rows = _parse(records, plan.errors)
    in_file = {record.values.get("code", "") for record in records}
    codes = set(rows) | {row["parent_code"] for row in rows.values()}
    existing = {unit.code: unit for unit in db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes)))}
    label = {c.key: str(c.label) for c in COLUMNS}
    for row in _order(rows, plan.errors):
        parent_code = row["parent_code"]
        parent_row, parent_unit = rows.get(parent_code), existing.get(parent_code)
        if parent_row is None and parent_unit is None:
            if parent_code in in_file:
                continue  # the parent's own row has an error already
            plan.errors.append(RowError(row["row"], label["parent_code"],
                                        _("No unit has the code %(code)s, in the database or in this file.",
                                          code=parent_code)))
            continue
        parent_level = parent_row["level"] if parent_row else parent_unit.level
        if not may_nest(row["level"], parent_level):
            plan.errors.append(RowError(row["row"], label["level"],
                                        _("A %(level)s cannot sit under a %(parent)s.",
                                          level=_level_label(row["level"]), parent=_level_label(parent_level))))
            continue
        anchor = _anchor(parent_code, rows, existing)
        if actor is not None and anchor is not None and not can_administer(actor, anchor):
            plan.errors.append(RowError(row["row"], label["parent_code"],
                                        _("%(code)s is outside the units you administer.", code=parent_code)))
            continue
        current = existing.get(row["code"])
        item = PlanItem(row["row"], "create", row["code"], row["name"],
                        _("%(level)s under %(parent)s", level=_level_label(row["level"]), parent=parent_code),
                        data=row)
        if current is not None:
            if current.level != row["level"]:
                plan.errors.append(RowError(row["row"], label["level"],
                                            _("Unit %(code)s exists as a %(level)s; an import does not change levels.",
                                              code=row["code"], level=_level_label(current.level))))
                continue
            if current.parent is None or current.parent.code != parent_code:
                plan.errors.append(RowError(row["row"], label["parent_code"],
                                            _("Unit %(code)s exists under %(parent)s; an import does not move units.",
                                              code=row["code"],
                                              parent=current.parent.code if current.parent else "—")))
                continue
            if current.name == row["name"]:
                item.action, item.detail = "unchanged", ""
            else:
                item.action, item.detail = "update", _("was: %(name)s", name=current.name)
        plan.items.append(item)
    plan.errors.sort(key=lambda error: error.row)
    return plan


def apply_units(plan: Plan) -> None:
    """Write a valid plan (parents first; flushes, never commits)."""
    if not plan.ok:
        raise ValueError("a plan with errors is never applied")
    by_code: dict[str, OrgUnit] = {}
    for item in plan.items:
        if item.action == "unchanged":
            continue
        row = item.data
        unit = by_code.get(row["code"]) or db.session.scalar(select(OrgUnit).where(OrgUnit.code == row["code"]))
        if item.action == "update":
            unit.name = row["name"]
            continue
        parent = by_code.get(row["parent_code"]) or db.session.scalar(
            select(OrgUnit).where(OrgUnit.code == row["parent_code"]))
        by_code[row["code"]] = create_unit(level=row["level"], code=row["code"], name=row["name"], parent=parent)
    db.session.flush()
