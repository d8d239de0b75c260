"""ECharts options for the county dashboard, built here so the labels are translated and the
numbers are the table's own; the page's script only hands them to ECharts (no inline script)."""

from __future__ import annotations

from flask_babel import gettext as _

from workflow_app.stats.forms import MEASURE_LABELS, period_label
from workflow_app.stats.queries import TARGET_OF, CountyDashboard

COLOURS = {"establishment": "#b22222", "membership": "#1f5fa8", "model_home_share": "#8a5a00",
           "wage_bargaining": "#2e7d32"}


def _number(value) -> float | None:
    return None if value is None else float(value)


def _target_line(value, measure: str) -> dict:
    return {"silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": COLOURS[measure]},
            "label": {"formatter": _("target %(value)s%%", value=value), "position": "insideEndTop"},
            "data": [{"yAxis": float(value)}]} if value is not None else {}


def township_bars(board: CountyDashboard, measure: str) -> dict:
    """One bar per township for ``measure``, with the year's target as a dashed line."""
    names = [row.unit.name if row.unit.level == "township" else _("County-direct units") for row in board.rows]
    target = getattr(board.target, TARGET_OF[measure]) if board.target is not None else None
    return {
        "aria": {"enabled": True},
        "title": {"text": str(MEASURE_LABELS[measure]), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 16, "bottom": 90, "top": 40},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 60, "interval": 0, "fontSize": 11}},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [{
            "type": "bar", "name": str(MEASURE_LABELS[measure]),
            "data": [_number(row.rates.get(measure)) for row in board.rows],
            "itemStyle": {"color": COLOURS[measure]},
            "markLine": _target_line(target, measure),
        }],
    }


def trend_lines(board: CountyDashboard) -> dict:
    """The county's rates across periods, each with its yearly target as a dashed step line."""
    labels = [period_label(point["year"], point["quarter"]) for point in board.trend]
    series = []
    for measure in ("establishment", "membership"):
        name = str(MEASURE_LABELS[measure])
        series.append({"type": "line", "name": name, "itemStyle": {"color": COLOURS[measure]},
                       "data": [_number(point["rates"][measure]) for point in board.trend]})
        series.append({"type": "line", "name": _("%(measure)s target", measure=name), "step": "middle",
                       "symbol": "none", "lineStyle": {"type": "dashed", "color": COLOURS[measure]},
                       "itemStyle": {"color": COLOURS[measure]},
                       "data": [_number(point["targets"][measure]) for point in board.trend]})
    return {
        "aria": {"enabled": True},
        "title": {"text": _("County trend"), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 16, "bottom": 60, "top": 40},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": series,
    }


def dashboard_charts(board: CountyDashboard) -> dict[str, dict]:
    charts = {f"bars-{measure}": township_bars(board, measure) for measure in ("establishment", "membership")}
    charts["trend"] = trend_lines(board)
    return charts
