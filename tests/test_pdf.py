"""The PDF layer on its own: plain data in, PDF out, read back the way a verifier or a printer would.

No database and no app: these call workflow_app.certificates.pdf directly."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import require
from workflow_app.certificates.pdf import (
    ApprovalForm,
    CertificatePage,
    CertificateStyle,
    FontError,
    MissingGlyphs,
    RecommendationForm,
    ReviewBox,
    check_fonts,
    chinese_date,
    demo_seal_png,
    render_approval_form,
    render_certificates,
    render_recommendation_form,
)
from workflow_app.certificates.pdf.fonts import DEFAULT_FONT, face, fallbacks
from workflow_app.certificates.pdf.layout import NO_END, NO_START, break_lines

ISSUED = datetime.date(2026, 11, 24)
WORDING = "兹授予马金凤“沈丘县优秀工会工作者”荣誉称号。特发此证。"
VERIFY_URL = "http://127.0.0.1:5000/verify/q8Zr3kT0bVx1LmN2pQ4sWy"
RARE_NAME = "王䶮𠮷堃珺玥喆"  # 䶮 U+4DAE (Ext A) and 𠮷 U+20BB7 (Ext B) lie outside GB2312
NOT_IN_FONT = "\U00030000"  # U+30000 (Ext G): in neither the packaged font nor HanaMinB (asserted below)
PRIVATE_USE = "\ue000"


def page(recipient: str = "马金凤", wording: str | None = None, **changes) -> CertificatePage:
    values = {
        "title": "荣誉证书",
        "recipient": recipient,
        "wording": wording if wording is not None else f"兹授予{recipient}“沈丘县优秀工会工作者”荣誉称号。特发此证。",
        "issuer": "沈丘县总工会",
        "issued_on": ISSUED,
        "number": "沈工证〔2026〕YXGZ-0001",
        "verify_url": VERIFY_URL,
    } | changes
    return CertificatePage(**values)


@pytest.fixture(scope="module")
def style() -> CertificateStyle:
    return CertificateStyle(seal_png=demo_seal_png("沈丘县总工会"))


def render(pages, style=None, **kw) -> bytes:
    out = io.BytesIO()
    render_certificates(pages, out, style or CertificateStyle(), **kw)
    return out.getvalue()


def text_of(pdf: bytes) -> list[str]:
    """Each page's text with the line breaks and spacing the layout added taken out."""
    return [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        require(name, "WORKFLOW_REQUIRE_BROWSER", f"{name} is not installed (poppler-utils / zbar-tools)")
    return path


@pytest.fixture(scope="module")
def one_page(style) -> bytes:
    return render([page(check_code="K7Q2XM")], style)


def test_dates_are_written_in_chinese_numerals_with_the_ideographic_zero():
    assert chinese_date(ISSUED) == "二〇二六年十一月二十四日"
    assert chinese_date(datetime.date(2030, 10, 10)) == "二〇三〇年十月十日"
    assert chinese_date(datetime.date(2026, 1, 1)) == "二〇二六年一月一日"
    assert chinese_date(datetime.date(2027, 12, 31)) == "二〇二七年十二月三十一日"
    assert "\u3007" in chinese_date(ISSUED) and not set("0Oo〇".replace("〇", "")) & set(chinese_date(ISSUED))


def test_a_certificate_reads_back_with_recipient_wording_number_and_date(one_page):
    [text] = text_of(one_page)
    assert text.startswith("荣誉证书")
    for expected in ("马金凤", WORDING, "沈工证〔2026〕YXGZ-0001", "二〇二六年十一月二十四日", "沈丘县总工会",
                     "扫码验证", "验证码：K7Q2XM"):
        assert expected in text
    reader = PdfReader(io.BytesIO(one_page))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape


def test_fonts_are_embedded_as_subsets(one_page, tmp_path):
    path = tmp_path / "one.pdf"
    path.write_bytes(one_page)
    output = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in output.splitlines()[2:] if line.strip()]
    assert rows, output
    for row in rows:
        # name type... encoding emb sub uni object-id: read the flags from the right-hand end
        emb, sub, uni = row[-5], row[-4], row[-3]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), output
        assert re.match(r"[A-Z]{6}\+", row[0]), output


def test_the_qr_code_decodes_to_exactly_the_verification_url(one_page, tmp_path):
    path = tmp_path / "one.pdf"
    path.write_bytes(one_page)
    subprocess.run([tool("pdftoppm"), "-r", "150", "-gray", "-png", "-singlefile", str(path), str(tmp_path / "p")],
                   check=True)
    zbar = subprocess.run([tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                           str(tmp_path / "p.png")], capture_output=True, text=True, check=True)
    assert zbar.stdout.splitlines() == [VERIFY_URL]


def test_rare_characters_outside_gb2312_print_when_the_font_has_them(style):
    certificate = page(RARE_NAME)
    check_fonts([certificate], style)
    [text] = text_of(render([certificate], style))
    assert RARE_NAME in text


def test_characters_the_font_lacks_are_refused_by_name_before_anything_is_written(style):
    assert ord(NOT_IN_FONT) not in face().cmap and ord(PRIVATE_USE) not in face().cmap
    assert not any(ord(NOT_IN_FONT) in spare.cmap for spare in fallbacks())
    pages = [page("马金凤"), page(f"王{PRIVATE_USE}"), page("沙海军", issuer=f"沈丘县{NOT_IN_FONT}总工会"),
             page(f"丁{PRIVATE_USE}")]
    with pytest.raises(MissingGlyphs) as refused:
        check_fonts(pages, style)
    assert refused.value.characters == [PRIVATE_USE, NOT_IN_FONT]
    assert PRIVATE_USE in str(refused.value) and NOT_IN_FONT in str(refused.value)
    assert "U+E000" in str(refused.value) and "U+30000" in str(refused.value)
    out = io.BytesIO()
    with pytest.raises(MissingGlyphs):
        render_certificates(iter(pages), out, style)
    assert out.getvalue() == b""


def test_markup_in_names_prints_literally():
    [text] = text_of(render([page("<b>&amp;</b>")]))
    assert "兹授予<b>&amp;</b>“沈丘县" in text


def test_text_is_nfc_normalised_before_checking_and_drawing():
    [text] = text_of(render([page("\uf900文")]))  # a compatibility ideograph: NFC gives 豈 U+8C48
    assert "豈文" in text and "\uf900" not in text


def test_chinese_punctuation_never_starts_a_line_and_opening_marks_never_end_one():
    font = face().name
    text = ("经研究决定，授予其“沈丘县先进工作者”（个人）荣誉称号！希望再接再厉；"
            "再创佳绩：《工会法》、「章程」、『条例』。")
    for chars in range(3, 24):
        lines = break_lines(text, 10.0 * chars + 1, font, 10)
        assert "".join(lines) == text
        for line in lines[1:]:
            assert line[0] not in NO_START, (chars, lines)
        for line in lines[:-1]:
            assert line[-1] not in NO_END, (chars, lines)
    assert set("，。；：！？）》」』”") <= NO_START


def test_a_long_wording_wraps_inside_the_page_and_two_issuers_print_on_two_lines(style):
    wording = "在二〇二六年度全县工会工作中，该同志爱岗敬业、勇于担当，成绩突出。" * 5
    [text] = text_of(render([page("沙建国", wording=wording, issuer="中共沈丘县委 沈丘县人民政府")], style))
    assert "沙建国" in text and wording in text
    assert "中共沈丘县委沈丘县人民政府" in text


def test_twenty_certificates_share_one_font_subset_and_one_seal(style, one_page):
    pages = [page(name, number=f"沈工证〔2026〕YXGZ-{n:04d}", verify_url=f"{VERIFY_URL}{n}")
             for n, name in enumerate(["马金凤", "沙海军", "马志远", "丁文杰", "沙建国"] * 4, start=1)]
    done: list[int] = []
    pdf = render(pages, style, progress=done.append)
    assert done == list(range(1, 21))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 20
    assert text_of(pdf)[19].count("沈工证〔2026〕YXGZ-0020") == 1
    assert len(pdf) < 2 * len(one_page), (len(pdf), len(one_page))  # not 20 copies of the font and seal
    assert pdf.count(b"/Subtype /Image") == 2  # the seal and its transparency mask, once for all pages
    assert pdf.count(b"/FontFile2") == 1


def test_each_page_can_have_its_own_style(style):
    pages = [page("马金凤"), page("沙海军")]
    pdf = render(pages, lambda p: style if p.recipient == "马金凤" else CertificateStyle())
    assert pdf.count(b"/Subtype /Image") == 2
    assert [t.count("兹授予") for t in text_of(pdf)] == [1, 1]


def test_a_background_image_replaces_the_printed_border():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (842, 595), (250, 240, 220)).save(buffer, format="JPEG")
    pdf = render([page()], CertificateStyle(background=buffer.getvalue()))
    assert pdf.count(b"/Subtype /Image") == 1 and b"/DCTDecode" in pdf


def test_fonts_come_only_from_allowed_folders_and_must_be_truetype(tmp_path, monkeypatch):
    with pytest.raises(FontError, match="must live in"):
        check_fonts([page()], CertificateStyle(body_font=str(tmp_path / "elsewhere.ttf")))
    with pytest.raises(FontError, match="TrueType"):
        check_fonts([page()], CertificateStyle(title_font=str(DEFAULT_FONT.with_suffix(".otf"))))
    monkeypatch.setenv("WORKFLOW_FONT_DIRS", str(tmp_path))
    with pytest.raises(FontError, match="no such font"):
        check_fonts([page()], CertificateStyle(body_font=str(tmp_path / "missing.ttf")))


def test_a_site_font_collection_registers_each_face_under_its_own_name():
    collection = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if not collection.exists():
        pytest.skip("WenQuanYi Micro Hei is not installed")
    first, second = face(f"{collection}#0"), face(f"{collection}#1")
    assert first.name != second.name and face(str(collection)) is first
    certificate = page("马金凤")
    [text] = text_of(render([certificate], CertificateStyle(title_font=f"{collection}#0")))
    assert "荣誉证书" in text
    with pytest.raises(MissingGlyphs) as refused:  # this site font stops at the basic CJK block
        check_fonts([page(RARE_NAME)], CertificateStyle(body_font=str(collection)))
    assert set(refused.value.characters) <= set(RARE_NAME) and "䶮" in refused.value.characters


REVIEWS = [
    ReviewBox("基层工会意见", "同意推荐。", "沙海军", "沈丘县第一中学工会", datetime.date(2026, 10, 9)),
    ReviewBox("乡镇（街道）总工会意见", "情况属实，同意推荐。", "马志远", "槐店回族镇总工会",
              datetime.date(2026, 10, 15)),
    ReviewBox("县总工会意见"),
]


def test_the_approval_form_prints_nominee_deeds_and_every_review_level():
    form = ApprovalForm(
        campaign="2026年度沈丘县工会系统评先评优", honor="沈丘县优秀工会工作者",
        nominee=[("姓名", "马金凤"), ("性别", "女"), ("身份证号", "4127**********1234"),
                 ("工作单位及职务", "槐店回族镇总工会副主席")],
        deeds="该同志认真履行职责，积极推进基层工会组织建设。<i>&lt;</i>" * 40,  # long enough for a second page
        reviews=REVIEWS, reference="SQ-2026-0042")
    out = io.BytesIO()
    render_approval_form(form, out)
    text = "".join(text_of(out.getvalue()))
    for expected in ("推荐审批表", "2026年度沈丘县工会系统评先评优", "沈丘县优秀工会工作者", "马金凤",
                     "4127**********1234", "积极推进基层工会组织建设。<i>&lt;</i>", "基层工会意见",
                     "乡镇（街道）总工会意见", "县总工会意见", "沙海军", "马志远", "槐店回族镇总工会", "2026年10月15日",
                     "SQ-2026-0042"):
        assert expected in text, expected
    assert text.count("年月日") == 1  # the county level has not reviewed: a blank date to fill in by hand


def test_the_party_recommendation_form_is_addressed_and_carries_the_vote():
    form = RecommendationForm(
        receiving_org="中共沈丘县人民医院支部委员会", nominee=[("姓名", "丁文杰"), ("性别", "男")],
        members_expected=45, members_present=41, votes_for=39,
        recommendation="丁文杰同志思想进步，工作积极，经会员大会民主推荐，同意推荐其为入党积极分子人选。",
        recommending_union="沈丘县人民医院工会", day=ISSUED)
    out = io.BytesIO()
    render_recommendation_form(form, out)
    [text] = text_of(out.getvalue())
    for expected in ("推荐优秀工会会员入党推荐表", "接收党组织", "中共沈丘县人民医院支部委员会", "丁文杰",
                     "应到会员45人", "实到41人", "赞成39人", "同意推荐其为入党积极分子人选", "沈丘县人民医院工会",
                     "2026年11月24日"):
        assert expected in text, expected


def test_forms_refuse_characters_the_font_lacks():
    form = RecommendationForm(receiving_org="党支部", nominee=[("姓名", f"丁{PRIVATE_USE}")], members_expected=3,
                              members_present=3, votes_for=3, recommendation="同意。", recommending_union="工会")
    out = io.BytesIO()
    with pytest.raises(MissingGlyphs) as refused:
        render_recommendation_form(form, out)
    assert refused.value.characters == [PRIVATE_USE] and out.getvalue() == b""
