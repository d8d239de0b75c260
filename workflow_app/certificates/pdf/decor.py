"""The printed decoration of a certificate: warm paper, a red and gold double border with corner
ornaments, and the rule under the title; drawn once per document, as one form XObject."""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

PAGE_W, PAGE_H = landscape(A4)
PAPER = Color(0.992, 0.973, 0.925)
RED = Color(0.70, 0.10, 0.11)
GOLD = Color(0.78, 0.62, 0.29)
TITLE_RULE_Y = PAGE_H - 158  # under the title's baseline


def draw_frame(canvas: Canvas) -> None:
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    # Outer: a broad red band edged in gold; inner: a thin red line inside a thin gold one.
    _inset_rect(canvas, 24, RED, 7)
    _inset_rect(canvas, 19.5, GOLD, 1.2)
    _inset_rect(canvas, 28.5, GOLD, 1.2)
    _inset_rect(canvas, 36, GOLD, 0.8)
    _inset_rect(canvas, 39, RED, 1.6)
    for x, y, sx, sy in ((39, 39, 1, 1), (PAGE_W - 39, 39, -1, 1), (39, PAGE_H - 39, 1, -1),
                         (PAGE_W - 39, PAGE_H - 39, -1, -1)):
        _corner(canvas, x, y, sx, sy)
    canvas.saveState()
    canvas.translate(PAGE_W / 2, TITLE_RULE_Y)
    _title_rule(canvas)
    canvas.restoreState()


def _inset_rect(canvas: Canvas, inset: float, color: Color, width: float) -> None:
    canvas.setStrokeColor(color)
    canvas.setLineWidth(width)
    canvas.rect(inset, inset, PAGE_W - 2 * inset, PAGE_H - 2 * inset, stroke=1, fill=0)


def _corner(canvas: Canvas, x: float, y: float, sx: int, sy: int) -> None:
    """A fret (回纹) corner: two nested gold brackets and a small red square in the angle."""
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(sx, sy)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.4)
    for d, length in ((7, 46), (13, 34)):
        path = canvas.beginPath()
        path.moveTo(d, d + length)
        path.lineTo(d, d)
        path.lineTo(d + length, d)
        canvas.drawPath(path, stroke=1, fill=0)
    canvas.setFillColor(RED)
    canvas.rect(17.5, 17.5, 6, 6, stroke=0, fill=1)
    canvas.restoreState()


def _title_rule(canvas: Canvas) -> None:
    """Centred on the origin: two gold lines meeting a small red lozenge."""
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.1)
    canvas.line(-120, 0, -12, 0)
    canvas.line(12, 0, 120, 0)
    canvas.setLineWidth(0.6)
    canvas.line(-90, -3.5, -14, -3.5)
    canvas.line(14, -3.5, 90, -3.5)
    canvas.setFillColor(RED)
    path = canvas.beginPath()
    path.moveTo(0, 6)
    path.lineTo(7, 0)
    path.lineTo(0, -6)
    path.lineTo(-7, 0)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
