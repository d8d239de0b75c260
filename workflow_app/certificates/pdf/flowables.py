"""Platypus pieces for the printable forms, built on the plain-text breaker (no markup parsing)."""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from .layout import Line, Run, atoms, break_atoms, draw_line

INK = Color(0.1, 0.08, 0.07)


class PlainText(Flowable):
    """Text wrapped with Chinese line-breaking rules; splits between lines across pages and table rows.
    ``align`` is left (justified but for each paragraph's last line), center or right."""

    def __init__(self, text: str, font: str, size: float, *, leading: float | None = None, align: str = "left",
                 indent: float = 0.0, color: Color = INK, char_space: float = 0.0, balance: bool = False,
                 lines: list[Line] | None = None, wrapped_at: float | None = None):
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.leading = leading or size * 1.6
        self.align, self.indent, self.color, self.char_space = align, indent, color, char_space
        self.balance = balance  # lines of even length (a label of 6 characters: 3 + 3, not 5 + 1)
        self._lines, self._wrapped_at = lines, wrapped_at

    def _wrap_lines(self, width: float) -> list[Line]:
        if self._lines is None or self._wrapped_at != width:
            items = atoms([Run(self.text, self.font, self.size, self.color)]) if self.text else []
            lines = break_atoms(items, width, self.indent) if items else []
            if self.balance and len(lines) > 1:
                narrower = sum(a.width for a in items) / len(lines)
                while narrower < width:
                    candidate = break_atoms(items, narrower, self.indent)
                    if len(candidate) == len(lines):
                        lines = candidate
                        break
                    narrower += self.size / 4
            self._lines, self._wrapped_at = lines, width
        return self._lines

    def wrap(self, available_width, available_height):
        lines = self._wrap_lines(available_width)
        self.width = available_width
        self.height = len(lines) * self.leading
        return self.width, self.height

    def split(self, available_width, available_height):
        lines = self._wrap_lines(available_width)
        fit = int(available_height // self.leading)
        if fit < 1 or fit >= len(lines):
            return []
        head, tail = lines[:fit], lines[fit:]
        common = {"leading": self.leading, "align": self.align, "color": self.color, "wrapped_at": available_width}
        # Each part carries its own text, so that a re-wrap at another width cannot bring the other back.
        return [PlainText(_text_of(head), self.font, self.size, indent=self.indent, lines=head, **common),
                PlainText(_text_of(tail), self.font, self.size, indent=self.indent if tail[0].first else 0.0,
                          lines=tail, **common)]

    def draw(self):
        y = self.height - self.size * 1.0 - (self.leading - self.size) / 2 + self.size * 0.12
        for line in self._lines or []:
            extra = self.char_space * max(len(line.text) - 1, 0)
            width = line.width + extra
            if self.align == "center":
                x = (self.width - width) / 2
            elif self.align == "right":
                x = self.width - width
            else:
                x = self.indent if line.first else 0.0
            if self.char_space:
                draw_line(self.canv, x, y, line.atoms, width)
            else:
                justify = self.width - x if self.align == "left" and not line.last else None
                draw_line(self.canv, x, y, line.atoms, justify)
            y -= self.leading


def _text_of(lines: list[Line]) -> str:
    return "".join(line.text + ("\n" if line.last else "") for line in lines).removesuffix("\n")
