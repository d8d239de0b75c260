"""Chinese line breaking and drawing of plain text runs (never parsed as markup).

reportlab's own CJK wrapping follows Japanese rules and lets ，；：！？”》） begin a line, and a Paragraph
parses its text as markup; this small breaker works on plain strings and keeps Chinese punctuation rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import named

# A line never starts with these (closing punctuation, pause and stop marks) ...
NO_START = frozenset("，。、；：！？）》」』”’〕】〉〗〙〛…‥·・％‰℃,.;:!?)]}%")
# ... and never ends with these (opening brackets and quotes).
NO_END = frozenset("（《「『“‘〔【〈〖〘〚([{")


@dataclass(frozen=True)
class Run:
    """A piece of text in one font, size and colour; ``underline`` marks a filled-in blank."""

    text: str
    font: str
    size: float
    color: object = None
    underline: bool = False


@dataclass(frozen=True)
class Atom:
    """The smallest unit a line may break around: one CJK character, or a Latin word or number."""

    text: str
    width: float
    run: Run


@lru_cache(maxsize=65536)
def char_width(ch: str, font: str, size: float) -> float:
    return stringWidth(ch, font, size)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and not ch.isspace() and ch not in NO_START and ch not in NO_END


def font_runs(text: str, font: str) -> list[tuple[str, str]]:
    """(font, piece) runs of ``text``: characters ``font`` lacks go to the fallback font that has them."""
    found = named(font)
    return found.runs(text) if found is not None and text else [(font, text)]


def _by_font(runs: Sequence[Run]) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        pieces = font_runs(run.text, run.font)
        if len(pieces) == 1:
            out.append(run)
        else:
            out.extend(replace(run, text=piece, font=font) for font, piece in pieces)
    return out


def text_width(text: str, font: str, size: float) -> float:
    """The drawn width of ``text``, each character measured in the font it is drawn with."""
    return sum(char_width(c, f, size) for f, piece in font_runs(text, font) for c in piece)


def draw_string(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, anchor: str = "left",
                char_space: float = 0.0) -> None:
    """drawString / drawCentredString with the fallback fonts: ``anchor`` is left or centre."""
    pieces = font_runs(text, font)
    if anchor == "centre":
        width = sum(char_width(c, f, size) for f, piece in pieces for c in piece)
        x -= (width + char_space * max(len(text) - 1, 0)) / 2
    obj = canvas.beginText(x, y)
    if char_space:
        obj.setCharSpace(char_space)
    for f, piece in pieces:
        obj.setFont(f, size)
        obj.textOut(piece)
    canvas.drawText(obj)


def atoms(runs: Sequence[Run]) -> list[Atom]:
    """Split runs into breakable atoms, each run first split by the font that has its characters; a newline
    becomes an atom of its own (a forced break)."""
    out: list[Atom] = []
    for run in _by_font(runs):
        text, i, n = run.text, 0, len(run.text)
        while i < n:
            j = i + 1
            if _is_word_char(text[i]):
                while j < n and _is_word_char(text[j]):
                    j += 1
            piece = text[i:j]
            width = sum(char_width(c, run.font, run.size) for c in piece) if piece != "\n" else 0.0
            out.append(Atom(piece, width, run))
            i = j
    return out


def _bad_break(before: Atom | None, after: Atom | None) -> bool:
    """Breaking between ``before`` and ``after`` would start a line with a closing mark or end one with
    an opening mark."""
    return (after is not None and after.text[0] in NO_START) or (before is not None and before.text[-1] in NO_END)


@dataclass
class Line:
    atoms: list[Atom]
    first: bool  # the first line of a paragraph (indented)
    last: bool  # the last line of a paragraph (not justified)

    @property
    def text(self) -> str:
        return "".join(a.text for a in self.atoms)

    @property
    def width(self) -> float:
        return sum(a.width for a in self.atoms)


def break_atoms(items: Sequence[Atom], width: float, first_indent: float = 0.0) -> list[Line]:
    """Greedy line filling with Chinese rules: a line never starts with a closing or pause mark and never
    ends with an opening one. A newline atom ends a paragraph; each paragraph's first line is indented."""
    lines: list[Line] = []
    line: list[Atom] = []
    first = True
    used = 0.0
    i, n = 0, len(items)
    while i < n:
        atom = items[i]
        limit = width - (first_indent if first else 0.0)
        if atom.text == "\n":
            lines.append(Line(line, first, True))
            line, used, first = [], 0.0, True
            i += 1
            continue
        if not line and atom.text == " ":
            i += 1
            continue
        if not line or used + atom.width <= limit + 1e-6:
            line.append(atom)
            used += atom.width
            i += 1
            continue
        # ``atom`` does not fit. Move the break back while it would violate the rules; only a line made
        # entirely of such marks breaks where it overflows.
        k = len(line)
        while k > 0 and _bad_break(line[k - 1], line[k] if k < len(line) else atom):
            k -= 1
        if k == 0:
            k = len(line)
        carried = line[k:]
        line = line[:k]
        while line and line[-1].text == " ":
            line.pop()
        lines.append(Line(line, first, False))
        line, first = carried, False
        used = sum(a.width for a in line)
    lines.append(Line(line, first, True))
    return lines


def break_lines(text: str, width: float, font: str, size: float, first_indent: float = 0.0) -> list[str]:
    """The lines ``text`` wraps into at ``width`` points (plain strings; for tests and simple callers)."""
    return [line.text for line in break_atoms(atoms([Run(text, font, size)]), width, first_indent)]


def draw_line(canvas: Canvas, x: float, y: float, line: Sequence[Atom], justify_to: float | None = None) -> float:
    """Draw one line at baseline ``y``; with ``justify_to`` the extra room is spread between characters.
    Returns the line's drawn width."""
    count = sum(len(a.text) for a in line)
    natural = sum(a.width for a in line)
    space = (justify_to - natural) / (count - 1) if justify_to and count > 1 and justify_to > natural else 0.0
    text = canvas.beginText(x, y)
    text.setCharSpace(space)
    pieces: list[list] = []  # [run, text, width] of consecutive atoms in the same run
    for atom in line:
        if pieces and pieces[-1][0] is atom.run:
            pieces[-1][1] += atom.text
            pieces[-1][2] += atom.width
        else:
            pieces.append([atom.run, atom.text, atom.width])
    underlines = []
    cursor = x
    current = None
    for run, chunk, width in pieces:
        if current is None or (run.font, run.size, run.color) != current:
            text.setFont(run.font, run.size)
            if run.color is not None:
                text.setFillColor(run.color)
            current = (run.font, run.size, run.color)
        text.textOut(chunk)
        advance = width + space * len(chunk)
        if run.underline:
            underlines.append((cursor, cursor + advance - space, run))
        cursor += advance
    canvas.drawText(text)
    for start, end, run in underlines:
        canvas.saveState()
        if run.color is not None:
            canvas.setStrokeColor(run.color)
        canvas.setLineWidth(max(0.6, run.size / 28))
        gap = run.size * 0.18
        canvas.line(start - gap, y - run.size * 0.2, end + gap, y - run.size * 0.2)
        canvas.restoreState()
    return cursor - x - space
