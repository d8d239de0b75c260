"""The printed forms speak the reader's language: the approval form, the 推优入党 recommendation form and
the public notice PDF carry English labels for an English user and Chinese ones for a Chinese user, in the
embedded font. The certificate itself is the official document and stays Chinese."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.factories import bring_to
from workflow_app.certificates.models import Certificate
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import db

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
APPROVAL_ZH = ("推荐审批表", "推荐荣誉", "主要事迹", "单位（盖章）：", "审核人：", "评选活动：", "打印日期：")
APPROVAL_EN = ("Nomination approval form", "Honor recommended", "Main deeds", "Unit (seal):", "Reviewer:",
               "Campaign:", "Printed on:", "Branch union's opinion")


def read(pdf: bytes) -> str:
    """The PDF's text with all spacing taken out (the layout breaks and justifies lines)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fonts_drawing_latin(pdf: bytes) -> set[str]:
    """The fonts that draw the PDF's Latin letters."""
    names: set[str] = set()

    def visit(text, _cm, _tm, font, _size):
        if font is not None and re.search("[A-Za-z]", text):
            names.add(str(font["/BaseFont"]))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return names


def speak(client, locale: str) -> None:
    assert client.post("/language", data={"locale": locale, "next": "/todo/"}).status_code == 302


def test_the_approval_form_is_labelled_in_the_readers_language(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    today = china_today()
    login_as("town1")
    chinese = client.get(f"/nominations/{nomination.id}/approval-form.pdf")
    assert chinese.status_code == 200
    text = read(chinese.data)
    for label in APPROVAL_ZH:
        assert squeezed(label) in text, label
    assert f"{today.year}年{today.month}月{today.day}日" in text
    assert "Reviewer" not in text and "Honor" not in text

    speak(client, "en")
    english = client.get(f"/nominations/{nomination.id}/approval-form.pdf")
    text = read(english.data)
    for label in APPROVAL_EN:
        assert squeezed(label) in text, label
    assert squeezed(f"{MONTHS[today.month - 1]} {today.day}, {today.year}") in text
    for label in APPROVAL_ZH:
        assert squeezed(label) not in text, label
    assert "马金凤" in text and "沙海军" in text and "测试意见" in text  # what people wrote stays as written
    # Latin labels are drawn with the embedded (subset) font, like the Chinese.
    latin = fonts_drawing_latin(english.data)
    assert latin and all(re.fullmatch(r"/[A-Z]{6}\+UnionSerifSC-Regular", name) for name in latin), latin


def test_the_party_recommendation_form_is_labelled_in_english_but_keeps_the_official_wording(
        client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "party_recommendation", world.branch1, world.chair1,
                                               nominee_name="丁文杰"), "approved")
    from states.nomination import fire

    fire(nomination, "certify", world.admin)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination.id))
    login_as("admin")
    speak(client, "en")
    text = read(client.get(f"/certificates/{certificate.id}.pdf").data)
    for label in ("Receiving Party organisation", "Branch vote", "10 members due, 9 present, 8 in favour",
                  "of those present", "Recommending union (seal):", "Opinion of the Party organisation"):
        assert squeezed(label) in text, label
    assert squeezed(certificate.wording) in text  # the recommendation itself is the frozen official text
    assert "接收党组织" not in text and "民主推荐情况" not in text

    speak(client, "zh_Hans_CN")
    text = read(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert "接收党组织" in text and "民主推荐情况" in text and "应到会员10人" in text
    assert "Receiving" not in text


def test_a_certificate_stays_chinese_for_an_english_reader(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "approved")
    from states.nomination import fire

    fire(nomination, "certify", world.admin)
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination.id))
    login_as("admin")
    chinese = read(client.get(f"/certificates/{certificate.id}.pdf").data)
    speak(client, "en")
    english = read(client.get(f"/certificates/{certificate.id}.pdf").data)
    assert squeezed(certificate.title) in english and "扫码验证" in english
    assert english == chinese


def test_the_notice_pdf_is_worded_in_the_readers_language(client, world, login_as):
    bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1),
             "public_notice")
    login_as("admin")
    chinese = read(client.get(f"/notice/{world.campaign.id}/notice.pdf").data)
    assert "公示" in chinese and "经基层推荐、逐级审核" in chinese and "对反映人的信息予以保密" in chinese
    assert f"{world.campaign.year}年度{world.campaign.name}" in chinese

    speak(client, "en")
    english = read(client.get(f"/notice/{world.campaign.id}/notice.pdf").data)
    for words in ("Public notice", "review at every level", "Main deeds", "under their real name",
                  f"{world.campaign.year} {world.campaign.name}"):
        assert squeezed(words) in english, words
    assert "马金凤" in english and "经基层推荐" not in english
