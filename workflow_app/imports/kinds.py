"""The two imports by name: their columns, planner, writer and template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflow_app.auth.models import User
from workflow_app.core.xlsx import Column, Sheet, write_workbook
from workflow_app.imports import units, users
from workflow_app.imports.common import ImportColumn, Plan, Record, read_records


@dataclass(frozen=True)
class ImportKind:
    name: str
    title: object  # lazy string
    columns: list[ImportColumn]
    plan: Callable[[list[Record], User | None], Plan]
    apply: Callable[[Plan], object]
    rules: list  # lazy strings for the template's notes sheet


KINDS = {
    "units": ImportKind("units", _l("Org units"), units.COLUMNS, units.plan_units, units.apply_units, [
        _l("One row per unit; the first row holds the column headers. Replace the example row with your own."),
        _l("A unit is known by its code. Importing the same file again changes nothing; a known code with "
           "another name renames the unit; its level and parent cannot be changed by import."),
        _l("A parent may be further down in the same file or already exist. Nothing is written unless every "
           "row is valid."),
    ]),
    "users": ImportKind("users", _l("Users"), users.COLUMNS, users.plan_users, users.apply_users, [
        _l("One row per role; the first row holds the column headers. Replace the example row with your own."),
        _l("A user is known by the username. An existing user is never changed: only a missing role is added. "
           "Importing the same file again changes nothing."),
        _l("Import the units first: every unit code must exist. Nothing is written unless every row is valid."),
    ]),
}


def plan_file(kind: ImportKind, filename: str, content: bytes, actor: User | None) -> Plan:
    """Read and check the whole file. Raises ``ImportFileError`` when it cannot be read at all."""
    return kind.plan(read_records(filename, content, kind.columns), actor)


def template(kind: ImportKind) -> bytes:
    """The sheet to fill in (headers and an example row) and a notes sheet on every column."""
    yes, no = _("yes"), _("no")
    notes = [[str(c.label), yes if c.required else no, str(c.help), c.example] for c in kind.columns]
    notes += [["", "", str(rule), ""] for rule in kind.rules]
    return write_workbook([
        Sheet(str(kind.title), [Column(str(c.label)) for c in kind.columns], [[c.example for c in kind.columns]]),
        Sheet(_("Notes"), [Column(_("Column")), Column(_("Required")), Column(_("What to write"), width=70),
                           Column(_("Example"))], notes),
    ])
