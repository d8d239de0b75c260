"""The notice (公示) as an A4 PDF for posting: title, campaign, the list of nominees, period, how to object.

The wording comes in as data (``NoticeLabels``): the official Chinese by default, the reader's language
from the web. Only what a notice may publish is passed in: never ID numbers, phones or birth dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from workflow_app.certificates.pdf.flowables import PlainText
from workflow_app.certificates.pdf.fonts import MissingGlyphs, clean, face
from workflow_app.certificates.pdf.paper_forms import written_date

MARGIN = 16 * mm
CONTENT_W = A4[0] - 2 * MARGIN
GRID = Color(0.15, 0.12, 0.1)
WIDTHS = (0.06, 0.13, 0.18, 0.14, 0.14, 0.35)


@dataclass(frozen=True)
class NoticeLabels:
    """The notice's words; %-format strings where values go in. Defaults: the official Chinese."""

    locale: str = "zh_Hans_CN"  # how dates are written
    title: str = "公　示"
    headers: tuple[str, ...] = ("序号", "姓名（名称）", "单位", "乡镇（街道）", "荣誉", "主要事迹")
    intro: str = ("经基层推荐、逐级审核，%(issuer)s拟对以下%(count)d名（个）%(campaign)s对象予以公示。"
                  "公示期为%(period)s（截至最后一日24:00，北京时间）。")
    period: str = "%(start)s至%(end)s"
    how_to_object: str = ("公示期间，任何单位和个人对公示对象有异议的，可通过网址 %(url)s 在线实名提出，"
                          "也可以来电、来信向%(issuer)s反映。反映情况须实事求是，署真实姓名并留联系方式；"
                          "匿名或无具体事实的异议不予受理。对反映人的信息予以保密。")
    document_title: str = "公示：%(campaign)s"


@dataclass(frozen=True)
class NoticeEntry:
    name: str
    unit: str
    township: str
    honor: str
    deeds: str


@dataclass(frozen=True)
class NoticeDocument:
    campaign: str
    issuer: str  # the county federation
    entries: Sequence[NoticeEntry]
    starts_on: date | None
    ends_on: date | None
    object_url: str
    issued_on: date
    labels: NoticeLabels = field(default_factory=NoticeLabels)


def _texts(doc: NoticeDocument) -> list[str]:
    return [doc.campaign, doc.issuer, doc.object_url, doc.labels.title, *doc.labels.headers,
            *(e.name + e.unit + e.township + e.honor + e.deeds for e in doc.entries),
            intro(doc), how_to_object(doc), written_date(doc.issued_on, doc.labels.locale), "0123456789"]


def intro(doc: NoticeDocument) -> str:
    labels = doc.labels
    period = ""
    if doc.starts_on and doc.ends_on:
        period = labels.period % {"start": written_date(doc.starts_on, labels.locale),
                                  "end": written_date(doc.ends_on, labels.locale)}
    return labels.intro % {"issuer": doc.issuer, "count": len(doc.entries), "campaign": doc.campaign,
                           "period": period}


def how_to_object(doc: NoticeDocument) -> str:
    return doc.labels.how_to_object % {"url": doc.object_url, "issuer": doc.issuer}


def render_notice(doc: NoticeDocument, out: BinaryIO, font: str | None = None) -> None:
    """Raises MissingGlyphs before drawing if the font lacks a character of the text."""
    doc = NoticeDocument(campaign=clean(doc.campaign), issuer=clean(doc.issuer), object_url=doc.object_url,
                         entries=[NoticeEntry(*(clean(v, keep_newlines=True) for v in (e.name, e.unit, e.township,
                                                                                        e.honor, e.deeds)))
                                  for e in doc.entries],
                         starts_on=doc.starts_on, ends_on=doc.ends_on, issued_on=doc.issued_on, labels=doc.labels)
    font_face = face(font)
    missing = font_face.missing("".join(_texts(doc)))
    if missing:
        raise MissingGlyphs(missing)
    name = font_face.name

    def text(value: str, size: float = 10.5, **kw) -> PlainText:
        return PlainText(value, name, size, **kw)

    header = [text(h, 10, align="center", leading=14) for h in doc.labels.headers]
    rows = [[text(str(i), 10, align="center"), text(e.name, 10), text(e.unit, 10), text(e.township, 10),
             text(e.honor, 10), text(e.deeds, 9.5)] for i, e in enumerate(doc.entries, 1)]
    table = Table([header, *rows], colWidths=[CONTENT_W * w for w in WIDTHS], repeatRows=1, splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), Color(0.93, 0.93, 0.93)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]))
    story = [
        PlainText(doc.labels.title, name, 22, align="center", leading=34,
                  char_space=6 if doc.labels.locale.startswith("zh") else 0),
        text(doc.campaign, 13, align="center", leading=22),
        Spacer(1, 8),
        text(intro(doc), 11, indent=22, leading=19),
        Spacer(1, 8),
        table,
        Spacer(1, 10),
        text(how_to_object(doc), 11, indent=22, leading=19),
        Spacer(1, 24),
        text(doc.issuer, 11, align="right", leading=19),
        text(written_date(doc.issued_on, doc.labels.locale), 11, align="right", leading=19),
    ]
    SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=doc.labels.document_title % {"campaign": doc.campaign},
                      creator="workflow-app",
                      pageCompression=1, initialFontName=name).build(story)
