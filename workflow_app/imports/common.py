"""What both imports share: reading the sheet by its headers, row errors, and the plan shown
before anything is written.

The whole file is checked first; a plan with any error is never applied, so an import either
writes every row or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflow_app.core.formats import LOCALES
from workflow_app.core.text import code_points, forbidden_characters
from workflow_app.core.xlsx import NotAWorkbook, WorkbookTooLarge, read_rows

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not an .xlsx, too large, headers missing)."""


@dataclass(frozen=True)
class ImportColumn:
    key: str
    label: object  # lazy string: the header in the reader's language
    required: bool
    help: object  # lazy string: what goes in the column (the template's notes sheet)
    example: str = ""

    def headers(self) -> set[str]:
        """Every header this column is recognised by: its key and its label in each language."""
        names = {self.key.lower()}
        for locale in LOCALES:
            with force_locale(locale):
                names.add(str(self.label).strip().lower())
        return names


@dataclass
class RowError:
    row: int  # the Excel row number, as the user sees it
    column: str  # the column's label ("" for the whole row)
    message: str


@dataclass
class Record:
    row: int
    values: dict[str, str]


@dataclass
class PlanItem:
    row: int
    action: str  # "create" | "update" | "add_role" | "unchanged"
    key: str  # the unit code or the username
    name: str
    detail: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class Plan:
    kind: str  # "units" | "users"
    items: list[PlanItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def changes(self) -> int:
        return sum(1 for item in self.items if item.action != "unchanged")


ACTION_LABELS = {
    "create": _l("Create"),
    "update": _l("Update name"),
    "add_role": _l("Add role"),
    "unchanged": _l("Unchanged"),
}


def cell_text(value) -> str:
    """A cell as text. Excel keeps long digit codes as numbers (411624100.0): give back the digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_records(filename: str, content: bytes, columns: list[ImportColumn]) -> list[Record]:
    """The data rows by column key. Raises ``ImportFileError`` with a message for people."""
    if not filename.lower().endswith(".xlsx"):
        raise ImportFileError(_("Only Excel workbooks (.xlsx) can be imported. Save the file as "
                                "“Excel Workbook (*.xlsx)” and upload it again."))
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB.", size=MAX_BYTES // (1024 * 1024)))
    try:
        rows = read_rows(content, MAX_ROWS)
    except NotAWorkbook:
        raise ImportFileError(_("This file is not an Excel workbook (.xlsx) or it is damaged.")) from None
    except WorkbookTooLarge:
        raise ImportFileError(_("The workbook is too large to import (at most %(rows)d rows); split it into "
                                "smaller files.", rows=MAX_ROWS)) from None
    if not rows:
        raise ImportFileError(_("The first sheet is empty."))
    header_row, header = rows[0]
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        text = cell_text(value).lower().rstrip("*").strip()
        for column in columns:
            if text and text in column.headers():
                positions.setdefault(column.key, index)
    missing = [str(c.label) for c in columns if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(_("Row %(row)d must hold the column headers; missing: %(columns)s. "
                                "Start from the template.", row=header_row, columns="、".join(missing)))
    records = []
    for number, values in rows[1:]:
        records.append(Record(number, {key: cell_text(values[index]) if index < len(values) else ""
                                       for key, index in positions.items()}))
    if not records:
        raise ImportFileError(_("The file has headers but no rows to import."))
    return records


def check_required(record: Record, columns: list[ImportColumn], errors: list[RowError],
                   limits: dict[str, int]) -> bool:
    """Required cells filled, no cell too long and none with invisible control characters (the forms refuse
    them too); adds the errors and says whether the row passed."""
    passed = True
    for column in columns:
        value = record.values.get(column.key, "")
        hidden = forbidden_characters(value)
        if hidden:
            errors.append(RowError(record.row, str(column.label), _(
                "This cell contains invisible control characters (%(codes)s); delete them and import again.",
                codes=code_points(hidden))))
            passed = False
        elif column.required and not value:
            errors.append(RowError(record.row, str(column.label), _("This cell must be filled in.")))
            passed = False
        elif column.key in limits and len(value) > limits[column.key]:
            errors.append(RowError(record.row, str(column.label),
                                   _("At most %(count)d characters.", count=limits[column.key])))
            passed = False
    return passed


def word_lookup(words: dict[str, str], labels: dict[str, object]) -> Callable[[str], str | None]:
    """A reader of a choice cell: accepts the code, the listed synonyms and the app's labels in every language."""
    known = {key.lower(): value for key, value in words.items()}
    for code, label in labels.items():
        known[code.lower()] = code
        for locale in LOCALES:
            with force_locale(locale):
                known[str(label).strip().lower()] = code

    def lookup(text: str) -> str | None:
        return known.get(text.strip().lower())

    return lookup
