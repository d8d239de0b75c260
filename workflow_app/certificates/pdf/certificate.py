"""Certificates: one A4 landscape page per CertificatePage, all in one PDF.

What keeps 1,000 pages fast and small (see docs/performance.md): fonts registered once per process and
embedded as subsets once per document; the paper and border, the seal and a background image defined once
per document as form XObjects and only referenced on each page; the QR matrix from a C++ encoder written
as one path; fonts resolved once per style, not per page; reportlab's shape checking and ASCII85 off.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from typing import BinaryIO, NamedTuple

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from . import decor
from .chinese import chinese_date
from .fonts import Face, MissingGlyphs, clean, face
from .layout import Line, Run, atoms, break_atoms, draw_line, draw_string, font_runs, text_width
from .model import CertificatePage, CertificateStyle
from .qr import draw_qr

PAGE_W, PAGE_H = landscape(A4)
INK = Color(0.1, 0.08, 0.07)
TITLE_RED = Color(0.74, 0.07, 0.09)

TITLE_SIZE, TITLE_BASELINE = 54, PAGE_H - 128
BODY_SIZE, MIN_BODY_SIZE = 30, 15
BODY_LEFT, BODY_RIGHT = 112, PAGE_W - 112
BODY_TOP, BODY_BOTTOM = PAGE_H - 178, 196
ISSUER_RIGHT = PAGE_W - 118
ISSUER_SIZE, DATE_SIZE = 22, 20
DATE_BASELINE = 104
SEAL_SIZE = 118  # points: a 42 mm official seal
# 66 pt ≈ 23 mm: a verification URL of ~60 characters is a version 4 symbol at medium error correction
# (33 modules), so a module is ~0.7 mm, comfortably read by phone cameras from a printed page.
QR_X, QR_Y, QR_SIZE = 74, 84, 66
SMALL_SIZE = 10
QR_CAPTION = "扫码验证"
NUMBER_LABEL = "证书编号："
CHECK_LABEL = "验证码："

StyleArg = CertificateStyle | Callable[[CertificatePage], CertificateStyle]
DEFAULT_STYLE = CertificateStyle()


class _Faces(NamedTuple):
    title: Face
    body: Face


class _Page(NamedTuple):
    """A page's text as it will be drawn: NFC-normalised, without control characters."""

    title: str
    recipient: str
    wording: str
    issuer: str
    number: str
    check_code: str
    date_text: str
    verify_url: str
    style: CertificateStyle
    faces: _Faces


def _prepare(pages: Iterable[CertificatePage], style: StyleArg) -> list[_Page]:
    style_of = (lambda _page: style) if isinstance(style, CertificateStyle) else style
    faces: dict[CertificateStyle, _Faces] = {}  # fonts resolved once per style, not once per page
    prepared = []
    for page in pages:
        page_style = style_of(page)
        page_faces = faces.get(page_style)
        if page_faces is None:
            page_faces = faces[page_style] = _Faces(face(page_style.title_font), face(page_style.body_font))
        prepared.append(_Page(
            clean(page.title), clean(page.recipient), clean(page.wording, keep_newlines=True), clean(page.issuer),
            clean(page.number), clean(page.check_code), chinese_date(page.issued_on), page.verify_url,
            page_style, page_faces))
    return prepared


def _missing(prepared: list[_Page]) -> list[str]:
    missing: dict[str, None] = {}
    for page in prepared:
        for ch in page.faces.title.missing(page.title):
            missing.setdefault(ch)
        body = "".join((page.recipient, page.wording, page.issuer, page.number, page.check_code, page.date_text,
                        QR_CAPTION, NUMBER_LABEL, CHECK_LABEL if page.check_code else ""))
        for ch in page.faces.body.missing(body):
            missing.setdefault(ch)
    return list(missing)


def check_fonts(pages: Iterable[CertificatePage], style: StyleArg = DEFAULT_STYLE) -> None:
    """Raise MissingGlyphs naming every character, across all pages and fields, that the style's fonts
    lack (a configured font that cannot be used raises FontError). Draws nothing."""
    missing = _missing(_prepare(pages, style))
    if missing:
        raise MissingGlyphs(missing)


def render_certificates(pages: Iterable[CertificatePage], out: BinaryIO, style: StyleArg = DEFAULT_STYLE,
                        progress: Callable[[int], None] | None = None) -> None:
    """Write one PDF with a page per certificate to ``out``. ``style`` is one CertificateStyle for all
    pages or a function giving each page's. Every character is checked against the fonts first:
    MissingGlyphs is raised before anything is written. ``progress(n)`` is called after page n."""
    prepared = _prepare(pages, style)
    missing = _missing(prepared)
    if missing:
        raise MissingGlyphs(missing)
    # The initial font would otherwise be Helvetica: referenced on every page but never embedded.
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1,
                    initialFontName=prepared[0].faces.body.name if prepared else None)
    canvas.setCreator("workflow-app")
    if prepared:
        canvas.setTitle(prepared[0].title)
    forms = _Forms(canvas)
    for n, page in enumerate(prepared, start=1):
        _draw_page(canvas, forms, page)
        canvas.showPage()
        if progress is not None:
            progress(n)
    canvas.save()


class _Forms:
    """Form XObjects of one document, each defined on first use and then only referenced."""

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.defined: set[str] = set()
        self.image_names: dict[bytes, str] = {}  # keyed by the bytes themselves: hashed once, not per page

    def use(self, name: str, draw: Callable[[Canvas], None], x: float = 0, y: float = 0,
            bbox: tuple[float, float, float, float] = (0, 0, PAGE_W, PAGE_H), blend: str | None = None) -> None:
        """Draw form ``name`` with its origin at (x, y), defining it with ``draw`` the first time."""
        canvas = self.canvas
        if name not in self.defined:
            canvas.beginForm(name, *bbox)
            draw(canvas)
            canvas.endForm()
            self.defined.add(name)
        if x or y or blend:
            canvas.saveState()
            canvas.translate(x, y)
            if blend:
                canvas.setBlendMode(blend)
            canvas.doForm(name)
            canvas.restoreState()
        else:
            canvas.doForm(name)

    def image(self, prefix: str, data: bytes, x: float, y: float, w: float, h: float,
              blend: str | None = None) -> None:
        name = self.image_names.get(data)
        if name is None:
            name = self.image_names[data] = f"{prefix}-{hashlib.sha1(data).hexdigest()[:16]}"

        def draw(canvas: Canvas) -> None:
            canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, w, h, mask="auto")

        self.use(name, draw, x, y, (0, 0, w, h), blend)


def _draw_page(canvas: Canvas, forms: _Forms, page: _Page) -> None:
    style, faces = page.style, page.faces
    if style.background:
        forms.image("background", style.background, 0, 0, PAGE_W, PAGE_H)
    else:
        forms.use("frame", decor.draw_frame)
    _draw_title(canvas, page.title, faces.title)
    _draw_body(canvas, page, faces.body)
    centre_x, centre_y = _draw_issuer(canvas, page.issuer, page.date_text, faces.body)
    if style.seal_png:
        # Multiply, as ink does: the black text under the red seal stays legible.
        forms.image("seal", style.seal_png, centre_x - SEAL_SIZE / 2, centre_y - SEAL_SIZE / 2, SEAL_SIZE, SEAL_SIZE,
                    blend="Multiply")
    _draw_verification(canvas, page, faces.body)


def _draw_title(canvas: Canvas, title: str, title_face: Face) -> None:
    if not title:
        return
    size = TITLE_SIZE
    spacing = size * (0.5 if len(title) <= 4 else 0.2)
    natural = text_width(title, title_face.name, size) + spacing * (len(title) - 1)
    if natural > BODY_RIGHT - BODY_LEFT:  # a long title shrinks rather than leaving the page
        scale = (BODY_RIGHT - BODY_LEFT) / natural
        size, spacing, natural = size * scale, spacing * scale, BODY_RIGHT - BODY_LEFT
    canvas.saveState()  # the render mode and stroke below must not reach the body text
    text = canvas.beginText((PAGE_W - natural) / 2, TITLE_BASELINE)
    text.setCharSpace(spacing)
    text.setFillColor(TITLE_RED)
    if title_face.packaged:
        # The packaged face is a Regular weight: a thin outline stroke gives the title the weight of a
        # 小标宋 heading. A site's own title font is drawn as it is.
        text.setTextRenderMode(2)
        canvas.setStrokeColor(TITLE_RED)
        canvas.setLineWidth(size / 45)
    for font, piece in font_runs(title, title_face.name):  # rare characters in the fallback font
        text.setFont(font, size)
        text.textOut(piece)
    canvas.drawText(text)
    canvas.restoreState()


def _body_paragraphs(page: _Page, font: str, size: float) -> list[tuple[list[Run], bool]]:
    """(runs, indented) per paragraph: the wording with the recipient underlined where it appears; if the
    wording does not name the recipient, the recipient comes first as a salutation line of its own."""
    wording, recipient = page.wording, page.recipient
    at = wording.find(recipient) if recipient else -1
    name = Run(recipient, font, size * 1.08, INK, underline=True)
    if at < 0:
        salutation = [([name, Run("：", font, size, INK)], False)] if recipient else []
        return [*salutation, ([Run(wording, font, size, INK)], True)]
    return [([Run(wording[:at], font, size, INK), name, Run(wording[at + len(recipient):], font, size, INK)], True)]


def _draw_body(canvas: Canvas, page: _Page, body_face: Face) -> None:
    width = BODY_RIGHT - BODY_LEFT
    size = BODY_SIZE
    while True:  # a long wording steps down in size until it fits its box
        leading = size * 1.9
        lines: list[tuple[Line, float]] = []
        for runs, indented in _body_paragraphs(page, body_face.name, size):
            indent = 2 * size if indented else 0.0
            lines.extend((line, indent if line.first else 0.0) for line in break_atoms(atoms(runs), width, indent))
        if len(lines) * leading <= BODY_TOP - BODY_BOTTOM or size <= MIN_BODY_SIZE:
            break
        size -= 1
    # The block sits a little above the middle of its box, as certificates are set.
    height = len(lines) * leading
    y = BODY_TOP - max(0.0, (BODY_TOP - BODY_BOTTOM - height) * 0.4) - size
    for line, indent in lines:
        x = BODY_LEFT + indent
        draw_line(canvas, x, y, line.atoms, None if line.last else BODY_RIGHT - x)
        y -= leading


def _draw_issuer(canvas: Canvas, issuer: str, date_text: str, body_face: Face) -> tuple[float, float]:
    """Issuer line(s) above the date, centred on each other at the right; returns the block's centre."""
    names = issuer.split()
    font = body_face.name
    widths = [text_width(name, font, ISSUER_SIZE) for name in names]
    date_width = text_width(date_text, font, DATE_SIZE)
    centre_x = ISSUER_RIGHT - max([date_width, *widths]) / 2
    step = ISSUER_SIZE * 1.5
    lowest = DATE_BASELINE + ISSUER_SIZE * 1.75
    top = lowest + step * (len(names) - 1) + ISSUER_SIZE
    canvas.setFillColor(INK)
    for i, name in enumerate(names):  # top down, so that text extraction reads them in order
        draw_string(canvas, centre_x, lowest + step * (len(names) - 1 - i), name, font, ISSUER_SIZE, "centre")
    draw_string(canvas, centre_x, DATE_BASELINE, date_text, font, DATE_SIZE, "centre")
    return centre_x, (top + DATE_BASELINE - DATE_SIZE * 0.2) / 2


def _draw_verification(canvas: Canvas, page: _Page, body_face: Face) -> None:
    """At the bottom left: the QR code with its caption; beside it the number, and the check code that
    is typed with the number on the verification page when no phone can scan."""
    canvas.setFillColor(INK)
    draw_qr(canvas, page.verify_url, QR_X, QR_Y, QR_SIZE)
    font = body_face.name
    draw_string(canvas, QR_X + QR_SIZE / 2, QR_Y - 15, QR_CAPTION, font, SMALL_SIZE, "centre")
    if page.check_code:
        draw_string(canvas, QR_X + QR_SIZE + 14, QR_Y + 2 + (SMALL_SIZE + 1) * 1.6, CHECK_LABEL + page.check_code,
                    font, SMALL_SIZE + 1)
    draw_string(canvas, QR_X + QR_SIZE + 14, QR_Y + 2, NUMBER_LABEL + page.number, font, SMALL_SIZE + 1)
