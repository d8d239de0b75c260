"""The look of every spreadsheet the app hands out, and reading the ones people upload.

Writing (exports, import templates, statistics)::

    from workflow_app.core.xlsx import Column, write_sheet
    data = write_sheet("汇总表", [Column("姓名"), Column("出生日期", width=12)], [["马金凤", date(1985, 6, 15)]])

``write_sheet`` returns the bytes of a real .xlsx: a bold, shaded, frozen header row, an autofilter
over the table, widths from the content (a Chinese character counts twice), dates and times as
real date cells. Several sheets in one file: ``write_workbook([Sheet(...), Sheet(...)])``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import BinaryIO
from unicodedata import east_asian_width

from flask import Response, send_file
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workflow_app.core.text import without_forbidden
from workflow_app.core.timeutil import to_china

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CellValue = str | int | float | Decimal | date | datetime | None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A column's header and, when the content should not decide, its width in characters."""

    title: str
    width: float | None = None


@dataclass
class Sheet:
    """One worksheet: a title (Excel allows 31 characters), columns and rows of plain values."""

    title: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[CellValue]] = field(default_factory=list)


def display_width(text: str) -> int:
    """Columns a text needs: wide (CJK) characters take two."""
    return sum(2 if east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell_value(value: CellValue) -> CellValue:
    if isinstance(value, str):
        # An .xlsx cannot hold control characters (openpyxl raises IllegalCharacterError). Forms refuse them,
        # but text stored before that, or by another way in, must not make an export fail.
        # U+FFFE and the like are not even XML: Excel would call the file damaged.
        return without_forbidden(value)
    # Excel has no time zones: aware times are written as China time, as the app shows them.
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)  # a cell shows minutes; no hidden fractions to trip a filter
        return to_china(value).replace(tzinfo=None) if value.tzinfo is not None else value
    return value


def _shown(value: CellValue) -> str:
    if isinstance(value, datetime):
        return "2026-01-01 00:00"
    if isinstance(value, date):
        return "2026-01-01"
    return "" if value is None else str(value)


def _fill(sheet, spec: Sheet) -> None:
    columns = [c if isinstance(c, Column) else Column(str(c)) for c in spec.columns]
    widths = [display_width(c.title) for c in columns]
    sheet.append([c.title for c in columns])
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    count = 0
    for row in spec.rows:
        count += 1
        sheet.append([_cell_value(v) for v in row])
        for index, cell in enumerate(sheet[sheet.max_row]):
            value = cell.value
            if isinstance(value, str) and value.startswith("="):
                # Text from users is never a formula (“=HYPERLINK(…)” in a name would run in Excel).
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if index < len(widths):
                widths[index] = max(widths[index], display_width(_shown(value)))
            else:
                widths.append(display_width(_shown(value)))
    for index, width in enumerate(widths):
        fixed = columns[index].width if index < len(columns) else None
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = fixed or min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx file holding ``sheets`` in order (the first one opens)."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        _fill(book.create_sheet(title=spec.title[:31]), spec)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_sheet(title: str, columns: Sequence[Column | str], rows: Iterable[Sequence[CellValue]]) -> bytes:
    """A one-sheet .xlsx: ``columns`` as the header row, then ``rows`` (plain values, in column order;
    ``date``/``datetime`` become date cells, ``None`` an empty cell)."""
    return write_workbook([Sheet(title, columns, rows)])


def write_sheet_to(out: BinaryIO, title: str, columns: Sequence[Column | str], rows: Iterable[Sequence[CellValue]],
                   *, sample: int = 200) -> int:
    """``write_sheet`` for lists too long to hold: openpyxl's write-only mode streams the rows to
    ``out`` (memory stays flat whatever the count). Same look; the widths come from the header and
    the first ``sample`` rows, since a streamed column's width must be known before its first row.
    Returns the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    columns = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
    rows = iter(rows)
    head = [list(row) for _, row in zip(range(sample), rows, strict=False)]
    widths = [display_width(c.title) for c in columns]
    for row in head:
        for index, value in enumerate(row[:len(widths)]):
            widths[index] = max(widths[index], display_width(_shown(_cell_value(value))))
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = (
            column.width or min(max(widths[index] + 2, MIN_WIDTH), MAX_WIDTH))
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in chain(head, rows):
        sheet.append([_streamed_cell(sheet, value) for value in row])
        count += 1
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    book.save(out)
    return count


def _streamed_cell(sheet, value: CellValue):
    value = _cell_value(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # user text is never a formula, as in write_sheet
        return cell
    if isinstance(value, datetime | date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    return value


# ---------------------------------------------------------------- reading uploads
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


class NotAWorkbook(ValueError):
    """The upload is not an .xlsx file openpyxl can read."""


class WorkbookTooLarge(ValueError):
    """More rows than allowed, or a zip that unpacks to far more than a real list (a zip bomb)."""


def read_rows(content: bytes, max_rows: int) -> list[tuple[int, list[CellValue]]]:
    """The first sheet's non-empty rows as (Excel row number, values), header row included.
    Raises ``NotAWorkbook`` for anything but an .xlsx, ``WorkbookTooLarge`` past ``max_rows``."""
    if not content.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise NotAWorkbook("not an xlsx file")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(entry.file_size for entry in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise WorkbookTooLarge("unpacks to too much")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a zip that is not a workbook
        raise NotAWorkbook(str(error)) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) > max_rows:
                raise WorkbookTooLarge(f"more than {max_rows} rows")
            rows.append((number, list(values)))
        return rows
    finally:
        book.close()


def xlsx_response(content: bytes, name: str) -> Response:
    """A workbook to download, kept out of caches (exports and templates may hold personal data)."""
    response = send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
