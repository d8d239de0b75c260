"""The statistics table of a period as .xlsx: one row per township (and the county-direct group),
the county total last; the figures of the accepted reports, the rates and how each stands against
the year's target — the same numbers as the dashboard, since both come from ``county_dashboard``."""

from __future__ import annotations

from flask_babel import gettext as _

from workflow_app.auth.models import User
from workflow_app.core.xlsx import Column, Sheet, write_workbook
from workflow_app.exports.services import record_export
from workflow_app.orgs.models import OrgUnit
from workflow_app.stats.figures import FIGURES
from workflow_app.stats.forms import FIGURE_LABELS, MEASURE_LABELS, period_label
from workflow_app.stats.queries import MEASURES, TARGET_OF, CountyDashboard, Row, county_dashboard

STATUS_WORDS = {"met": "Met", "close": "Close", "behind": "Behind", "no_data": "No data"}


def _status(row: Row, measure: str) -> str:
    gap = row.gaps.get(measure)
    return _(STATUS_WORDS[gap.status]) if gap is not None else ""


def columns() -> list[Column]:
    result = [Column(_("Township"), width=22), Column(_("Revision"))]
    result += [Column(str(FIGURE_LABELS[name])) for name in FIGURES]
    result += [Column(_("Model worker homes"))]
    for measure in MEASURES:
        label = str(MEASURE_LABELS[measure])
        result += [Column(f"{label} %"), Column(_("%(measure)s target", measure=label) + " %"),
                   Column(_("%(measure)s gap (points)", measure=label)), Column(_("%(measure)s status", measure=label))]
    return result


def _row(row: Row, name: str, target) -> list:
    cells: list = [name, row.report.revision if row.report else None]
    cells += [row.figures[field] if row.figures else None for field in FIGURES]
    cells.append(row.model_homes if row.figures else None)
    for measure in MEASURES:
        gap = row.gaps.get(measure)
        goal = getattr(target, TARGET_OF[measure]) if target is not None else None
        cells += [row.rates.get(measure), goal, gap.points if gap is not None else None, _status(row, measure)]
    return cells


def statistics_rows(board: CountyDashboard) -> list[list]:
    rows = [_row(row, row.unit.name if row.unit.level == "township" else _("County-direct units"), board.target)
            for row in board.rows]
    rows.append(_row(board.total, _("County total"), board.target))
    return rows


def export_statistics(county: OrgUnit, year: int, quarter: int = 0, *, actor: User | None = None,
                      client_ip: str | None = None) -> bytes:
    """The period's statistics table (a second sheet holds the year's targets), logged in the export
    log like every export; the caller commits once the file is made."""
    board = county_dashboard(county, year, quarter)
    record_export("statistics", actor=actor, filters={"county": county.code, "year": year, "quarter": quarter},
                  row_count=len(board.rows), client_ip=client_ip)
    title = period_label(year, quarter)
    targets = [[str(MEASURE_LABELS[m]), getattr(board.target, TARGET_OF[m]) if board.target else None]
               for m in MEASURES]
    return write_workbook([
        Sheet(title, columns(), statistics_rows(board)),
        Sheet(_("Targets"), [Column(_("Measure"), width=24), Column(_("Target") + " %")], targets),
    ])


def download_name(county: OrgUnit, year: int, quarter: int) -> str:
    return f"{county.name}-{period_label(year, quarter)}-{_('Statistics')}.xlsx"
