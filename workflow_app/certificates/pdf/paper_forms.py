"""The printable A4 forms: the 推荐审批表 (approval form) and the 推优入党 推荐表 (recommendation form).

Both are grids in the style of the paper forms they replace, with room to write and stamp by hand where
a level has not given its opinion yet.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import BinaryIO

from babel.dates import format_date
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from .chinese import numeric_date
from .flowables import PlainText
from .fonts import Face, MissingGlyphs, clean, face
from .layout import Run, atoms
from .model import ApprovalForm, FormLabels, RecommendationForm, ReviewBox

MARGIN = 18 * mm
CONTENT_W = A4[0] - 2 * MARGIN
LABEL_W = 27 * mm  # four Chinese characters a line
LATIN_LABEL_W = 36 * mm  # English labels need more room ("Recommendation" is one word)
GRID = Color(0.15, 0.12, 0.1)
HISTORY = Color(0.3, 0.3, 0.3)  # earlier returns and recalls, above a level's opinion
SHORT = 13  # values up to this many characters share a row with another field
SEAL_ROOM = 34 * mm  # height of an opinion box: room for a signature and a 42 mm seal pressed across it


def _cleaned(data):
    """A copy with every text field NFC-normalised and without control characters."""
    changes = {}
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if isinstance(value, str):
            changes[f.name] = clean(value, keep_newlines=True)
        elif f.name == "nominee":
            changes[f.name] = tuple((clean(label), clean(text, keep_newlines=True)) for label, text in value)
        elif f.name == "reviews":
            changes[f.name] = tuple(dataclasses.replace(r, level_label=clean(r.level_label), opinion=clean(
                r.opinion, keep_newlines=True), reviewer=clean(r.reviewer), unit=clean(r.unit),
                history=tuple(clean(line, keep_newlines=True) for line in r.history)) for r in value)
    return dataclasses.replace(data, **changes)


def written_date(day: datetime.date, locale: str) -> str:
    """A day as a filled-in form writes it: 2026年11月24日 / November 24, 2026."""
    return numeric_date(day) if locale.startswith("zh") else format_date(day, "long", locale=locale)


def form_date(day: datetime.date | None, labels: FormLabels) -> str:
    """The day in the labels' language; the blanks to write one by hand when there is none."""
    return labels.blank_date if day is None else written_date(day, labels.locale)


def _check(font: Face, texts: Iterable[str]) -> None:
    missing = font.missing("".join(texts))
    if missing:
        raise MissingGlyphs(missing)


class _Form:
    """Text helpers bound to one font."""

    def __init__(self, font_spec: str | None, labels: FormLabels):
        self.face = face(font_spec)
        self.name = self.face.name
        self.label_w = LABEL_W if labels.locale.startswith("zh") else LATIN_LABEL_W
        self.value_w = CONTENT_W / 2 - self.label_w
        self.text_w = CONTENT_W - self.label_w - 12  # a full-width cell's text, inside its padding

    def text(self, value: str, size: float = 11, **kw) -> PlainText:
        return PlainText(value, self.name, size, **kw)

    def label(self, value: str) -> PlainText:
        """Centred in the narrow label column; a word too long for it (English: "Recommendation") makes the
        label smaller rather than run over the grid line."""
        size = 11.0
        widest = max((a.width for a in atoms([Run(value, self.name, size)])), default=0.0)
        room = self.label_w - 12  # inside the cell's padding
        if widest > room:
            size = max(7.0, size * room / widest)
        return PlainText(value, self.name, size, align="center", leading=size * 15 / 11, balance=True)

    def title(self, value: str) -> PlainText:
        """Spaced out as Chinese form titles are; a Latin title keeps its words together."""
        spaced = not any(ch.isascii() and ch.isalpha() for ch in value)
        return PlainText(value, self.name, 20, align="center", leading=30, char_space=4 if spaced else 0)

    def heading_line(self, left: str, right: str) -> Table:
        table = Table([[self.text(left, 10.5, leading=15), self.text(right, 10.5, leading=15, align="right")]],
                      colWidths=[CONTENT_W * 0.62, CONTENT_W * 0.38])
        table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        return table

    def signature(self, lines: Sequence[str]) -> list:
        """Right-aligned lines at the foot of an opinion box (unit, signer, date)."""
        return [self.text(line, 11, align="right", leading=19) for line in lines]


def _nominee_rows(form: _Form, rows: Sequence[tuple[str, str]]) -> tuple[list[list], list[tuple]]:
    """Short fields two to a row, long ones across the width; returns (cells, span commands)."""
    cells: list[list] = []
    spans: list[tuple] = []
    pending: tuple[str, str] | None = None

    def wide(label: str, value: str) -> None:
        cells.append([form.label(label), form.text(value), "", ""])
        spans.append(("SPAN", (1, len(cells) - 1), (3, len(cells) - 1)))

    for label, value in rows:
        if len(value) > SHORT or "\n" in value:
            if pending:
                wide(*pending)
                pending = None
            wide(label, value)
        elif pending:
            cells.append([form.label(pending[0]), form.text(pending[1]), form.label(label), form.text(value)])
            pending = None
        else:
            pending = (label, value)
    if pending:
        wide(*pending)
    return cells, spans


def _grid(form: _Form, cells: list[list], spans: list[tuple], min_heights: list[float],
          split_rows: bool = True) -> Table:
    """A part of the form's grid. Parts stack into one form: the heavy outline is drawn on the sides
    here, and on the top and bottom by the first and last part."""
    table = Table(cells, colWidths=[form.label_w, form.value_w, form.label_w, form.value_w], minRowHeights=min_heights,
                  splitInRow=1 if split_rows else 0)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.7, GRID),
        ("LINEBEFORE", (0, 0), (0, -1), 1.4, GRID),
        ("LINEAFTER", (-1, 0), (-1, -1), 1.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        *spans,
    ]))
    return table


def _outline(parts: list[Table]) -> list[Table]:
    parts[0].setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 1.4, GRID)]))
    parts[-1].setStyle(TableStyle([("LINEBELOW", (0, -1), (-1, -1), 1.4, GRID)]))
    return parts


def _long_row(form: _Form, label: str, content: list, min_height: float, split: bool = True) -> Table:
    """A row with a label on the left and ``content`` across the rest, top-aligned."""
    cells = [[form.label(label), content, "", ""]]
    styles = [("SPAN", (1, 0), (3, 0)), ("VALIGN", (1, 0), (3, 0), "TOP")]
    return _grid(form, cells, styles, [min_height], split_rows=split)


def _opinion_box(form: _Form, label: str, opinion: str, signature: list[str], min_height: float,
                 history: Sequence[str] = ()) -> Table:
    """An opinion with its signature lines at the foot of the box, leaving room for a seal; kept on one page.
    An empty opinion leaves the box free to be filled in by hand. ``history`` (earlier returns and recalls)
    comes first, in small print."""
    head: list = [form.text(line, 9, leading=13, color=HISTORY) for line in history]
    if head:
        head.append(Spacer(1, 5))
    text = form.text(opinion, 11, indent=22)
    foot = form.signature(signature)
    used = sum(part.wrap(form.text_w, 10_000)[1] for part in [*head, text, *foot])
    room = max(14.0, min_height - 11 - used)
    return _long_row(form, label, [*head, text, Spacer(1, room), *foot], min_height, split=False)


def _review_box(form: _Form, review: ReviewBox, labels: FormLabels) -> Table:
    unit = review.unit or "　" * 8
    reviewer = review.reviewer or "　" * 6
    return _opinion_box(form, review.level_label, review.opinion,
                        [f"{labels.unit_seal}{unit}", f"{labels.reviewer}{reviewer}", form_date(review.day, labels)],
                        SEAL_ROOM + 62, review.history)


def _document(out: BinaryIO, title: str, font: str) -> SimpleDocTemplate:
    # initialFontName: otherwise every page references Helvetica, which is never embedded.
    return SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                             bottomMargin=16 * mm, title=title, creator="workflow-app", pageCompression=1,
                             initialFontName=font)


def render_approval_form(data: ApprovalForm, out: BinaryIO, font: str | None = None) -> None:
    """推荐审批表 on A4 portrait: nominee, deeds, then one box per review level (empty when not reached).
    Raises MissingGlyphs before drawing if the font lacks a character."""
    data = _cleaned(data)
    labels = data.labels
    form = _Form(font, labels)
    dates = [form_date(day, labels) for day in (data.printed_on, *(r.day for r in data.reviews))]
    _check(form.face, [data.title, data.campaign, data.honor, data.deeds, data.reference,
                       *(label + value for label, value in data.nominee),
                       *(r.level_label + r.opinion + r.reviewer + r.unit + "".join(r.history) for r in data.reviews),
                       *labels.texts(), *dates])
    nominee, spans = _nominee_rows(form, data.nominee)
    cells = [[form.label(labels.honor), form.text(data.honor), "", ""], *nominee]
    spans = [("SPAN", (1, 0), (3, 0)), *_shift(spans, 1)]
    parts = [_grid(form, cells, spans, [26.0] * len(cells)),
             _long_row(form, labels.deeds, [form.text(data.deeds, 11, indent=22)], 200.0),
             *(_review_box(form, review, labels) for review in data.reviews)]
    right = f"{labels.reference}{data.reference}" if data.reference else ""
    story = [form.title(data.title), Spacer(1, 6), form.heading_line(f"{labels.campaign}{data.campaign}", right),
             *_outline(parts)]
    if data.printed_on:
        story += [Spacer(1, 6), form.text(f"{labels.printed_on}{form_date(data.printed_on, labels)}", 9,
                                          align="right")]
    _document(out, data.title, form.name).build(story)


def render_recommendation_form(data: RecommendationForm, out: BinaryIO, font: str | None = None) -> None:
    """推优入党 推荐表 on A4 portrait, addressed to the receiving Party organisation: nominee, the branch's
    democratic vote, the recommendation signed by the union with room for its seal, and an empty box for
    the Party organisation's own opinion. Raises MissingGlyphs before drawing if the font lacks a character."""
    data = _cleaned(data)
    labels = data.labels
    form = _Form(font, labels)
    counts = {"expected": data.members_expected, "present": data.members_present, "votes_for": data.votes_for}
    if data.members_present > 0:
        vote = labels.vote_with_share % {**counts, "share": f"{data.votes_for * 100 / data.members_present:.1f}"}
    else:
        vote = labels.vote % counts
    day = form_date(data.day, labels)
    _check(form.face, [data.title, data.receiving_org, data.recommendation, data.recommending_union, data.campaign,
                       data.reference, vote, day, *(label + value for label, value in data.nominee),
                       *labels.texts()])
    nominee, spans = _nominee_rows(form, data.nominee)
    cells = [[form.label(labels.receiving_org), form.text(data.receiving_org), "", ""], *nominee]
    spans = [("SPAN", (1, 0), (3, 0)), *_shift(spans, 1)]
    parts = [_grid(form, cells, spans, [26.0] * len(cells)),
             _long_row(form, labels.vote_heading, [form.text(vote, 11)], 40.0),
             _opinion_box(form, labels.recommendation, data.recommendation,
                          [f"{labels.recommending_union}{data.recommending_union}", day], SEAL_ROOM + 150),
             _opinion_box(form, labels.party_opinion, "", [labels.party_seal + "　" * 8, labels.blank_date],
                          SEAL_ROOM + 70)]
    story = [form.title(data.title), Spacer(1, 6)]
    left = f"{labels.campaign}{data.campaign}" if data.campaign else ""
    right = f"{labels.reference}{data.reference}" if data.reference else ""
    if left or right:
        story.append(form.heading_line(left, right))
    story += _outline(parts)
    _document(out, data.title, form.name).build(story)


def _shift(spans: list[tuple], rows: int) -> list[tuple]:
    return [(kind, (a[0], a[1] + rows), (b[0], b[1] + rows)) for kind, a, b in spans]
