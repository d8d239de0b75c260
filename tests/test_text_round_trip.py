"""Nasty but legal text, typed into the real nomination form, read back from every place it appears:
the HTML pages (escaped: no tag or attribute injected, the text unchanged after NFC), the Excel summary list
(the exact text; formula-like cells stored as text, never as formulas) and the PDFs (approval form,
notice, certificate: the text drawn, rare CJK characters included, read back with pypdf).

What cannot be kept is refused at input with a message naming the characters: invisible control
characters everywhere, and, in fields that are printed, characters the printing fonts lack."""

from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from states.nomination import fire
from tests import factories
from tests.conftest import require
from tests.factories import bring_to, user_named
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.pdf.fonts import fallbacks
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination

# Printed fields: 𠮷 (CJK Extension B) is in the packaged font; 𠀀 U+20000 and 𪚥 U+2A6A5 only in the
# fallback font (HanaMinB), drawn in it.
NAME = "𠮷𠀀𪚥<b>马</b>\u200f凤e\u0301"
WORK_UNIT = '"onmouseover=alert(1) x="清真食品公司'
POST = "{{7*7}}车间主任"
HONORS = "%(name)s %s ${7*7} 县级劳模"
SUMMARY = "<script>alert(1)</script>爱岗敬业，e\u0301"
# Not printed anywhere, so anything legal is kept: emoji with joiners, Arabic with a right-to-left mark,
# Extension B characters the font lacks, a zero-width joiner, combining marks.
FULL = "👷‍♀️ 👨‍👩‍👧‍👦 \u200fمرحبا بالعالم 𠀀𪚥𠮷 a\u200db q\u0303 <img src=x onerror=alert(1)>"
FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "=cmd|' /C calc'!A0"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def printed(text: str) -> str:
    """What a PDF carries of ``text``: NFC, without format characters (the RTL mark), without spaces (text
    extraction puts its own)."""
    return re.sub(r"\s+", "", "".join(ch for ch in nfc(text) if unicodedata.category(ch) != "Cf"))


class Page(HTMLParser):
    """The text, attribute values, scripts and event-handler attributes of an HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.values: list[str] = []
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [(tag, name) for name in attrs if name.startswith("on")]
        self.values += [value for value in attrs.values() if value]

    def handle_data(self, data):
        self.text.append(data)


def check_html(html: str, texts: list[str]) -> Page:
    page = Page(html)
    assert all("src" in script for script in page.scripts), "only the app's own script files, no inline script"
    assert page.handlers == [], f"no event handler attribute may come from data: {page.handlers}"
    assert "<script>alert" not in html and "onerror=alert(1)>" not in html
    shown = nfc("".join(page.text)) + "\n" + "\n".join(nfc(v) for v in page.values)
    for text in texts:
        assert nfc(text) in shown, f"{text!r} is not on the page as typed"
    assert "49车间主任" not in html, "template syntax in data is never evaluated"
    return page


def form_data(**fields) -> dict:
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in factories.person_fields().items()}
    return {**data, **fields}


def create(client, world, **fields) -> tuple:
    honor = factories.honor("outstanding_union_worker")
    url = (f"/nominations/new/details?campaign_id={world.campaign.id}&honor_type_id={honor.id}"
           f"&org_unit_id={world.branch1.id}")
    response = client.post(url, data=form_data(**fields))
    db.session.expire_all()
    made = db.session.scalars(select(Nomination).order_by(Nomination.id.desc()).limit(1)).first()
    return response, made


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))


def test_nasty_text_survives_the_round_trip_into_html_excel_and_pdf_unchanged_and_harmless(client, world, login_as):
    if not fallbacks():
        require("fonts-hanazono", "WORKFLOW_REQUIRE_BROWSER", "the fallback font HanaMinB is not installed")
    login_as("chair1")
    response, nomination = create(client, world, nominee_name=NAME, work_unit=WORK_UNIT, post=POST,
                                  honors_held=HONORS, deeds_summary=SUMMARY, deeds_full=FULL)
    assert response.status_code == 302, re.findall(r'invalid-feedback[^>]*>(.*?)<', response.get_data(as_text=True))
    assert (nomination.nominee_name, nomination.work_unit, nomination.post, nomination.honors_held,
            nomination.deeds_summary, nomination.deeds_full) == (NAME, WORK_UNIT, POST, HONORS, SUMMARY, FULL)
    formula_ids = [create(client, world, nominee_name=text, ethnicity="+1+1", id_number=factories.id_number())[1].id
                   for text in FORMULAS]
    for nomination_id in formula_ids:
        bring_to(db.session.get(Nomination, nomination_id), "branch_review")
    bring_to(nomination, "public_notice")
    everything = [NAME, WORK_UNIT, POST, HONORS, SUMMARY, FULL]

    # (a) HTML: the nominee's page, the edit form's values, the lists, the public notice
    login_as("county")
    check_html(client.get(f"/nominations/{nomination.id}").get_data(as_text=True), everything)
    check_html(client.get("/nominations/").get_data(as_text=True), [NAME, *FORMULAS])
    check_html(client.get("/notice").get_data(as_text=True), [NAME, SUMMARY])

    # (b) Excel: the exact text; nothing that looks like a formula is one
    export = client.post("/exports/nominations", data={"campaign": world.campaign.id})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    for text in [NAME, *FORMULAS, "+1+1"]:
        assert text in cells, f"{text!r} is not in the export as typed"
        assert cells[text].data_type == "s", f"{text!r} must be a text cell, not {cells[text].data_type!r}"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)

    # (c) PDF: the approval form and the notice, then the certificate
    approval = pdf_text(client.get(f"/nominations/{nomination.id}/approval-form.pdf"))
    for text in (NAME, WORK_UNIT, POST, HONORS, SUMMARY):
        assert printed(text) in approval, f"{printed(text)!r} is not on the approval form"
    login_as("admin")
    notice = pdf_text(client.get(f"/notice/{world.campaign.id}/notice.pdf"))
    assert printed(NAME) in notice and printed(SUMMARY) in notice
    from tests.test_authorization import notice_over

    notice_over(nomination)
    fire(nomination, "end_notice", user_named("admin"), "公示无异议")
    db.session.commit()
    assert client.post("/certificates/issue", data={"nomination": nomination.id}).status_code == 302
    certificate = db.session.scalars(select(Certificate).where(Certificate.nomination_id == nomination.id)).one()
    assert certificate.recipient == NAME
    assert printed(NAME) in pdf_text(client.get(f"/certificates/{certificate.id}.pdf"))


@pytest.mark.parametrize(("field", "typed", "named"), [
    pytest.param("nominee_name", "马\U00030000凤", "「\U00030000」U+30000", id="extension_g_name_no_font_has"),
    pytest.param("deeds_summary", "爱岗敬业👷‍♀️", "「👷」U+1F477", id="emoji_in_the_printed_summary"),
    pytest.param("work_unit", "مرحبا 公司", "「م」U+0645", id="arabic_in_the_printed_work_unit"),
])
def test_a_character_the_printing_fonts_lack_is_refused_at_input_by_name(client, world, login_as, field, typed,
                                                                        named):
    login_as("chair1")
    response, before = create(client, world)
    response, after = create(client, world, **{field: typed}, id_number=factories.id_number())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and after.id == before.id, "nothing saved"
    errors = re.findall(r'<div class="invalid-feedback[^"]*">(.*?)</div>', page, re.S)
    assert any("无法打印" in error and named in error for error in errors), errors
    shown = Page(page)
    assert nfc(typed) in nfc("\n".join(shown.values + shown.text)), "the form keeps what was typed"


@pytest.mark.parametrize("typed", ["马\x00金凤", "爱岗\x0b敬业", "敬业\x1b[31m", "敬业\ufffe", "敬业\x7f\x85"])
def test_control_characters_are_refused_with_a_message_and_come_back_removed(client, world, login_as, typed):
    login_as("chair1")
    _response, before = create(client, world)
    response, after = create(client, world, deeds_summary=typed, id_number=factories.id_number())
    assert response.status_code == 200 and after.id == before.id, "nothing saved"
    page = response.get_data(as_text=True)
    assert "不可见的控制字符" in page and "U+" in page
    cleaned = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe]", "", typed)
    assert re.search(f">\\s*{re.escape(cleaned)}</textarea>", page), "it comes back without them: saving again will do"


def test_exports_and_printing_never_fail_on_control_characters_already_stored(client, world, login_as):
    """Text stored before the forms refused them (or written by another way in) is exported and printed
    without them (PostgreSQL stores no NUL at all, so none here)."""
    stored = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                           nominee_name="马\x0b金\ufffe凤", ethnicity="回\x07族",
                                           deeds_summary="爱岗\x1b敬业"), "county_review")
    login_as("county")
    export = client.post("/exports/nominations", data={"campaign": world.campaign.id})
    assert export.status_code == 200
    values = [cell.value for row in load_workbook(io.BytesIO(export.data)).active.iter_rows() for cell in row]
    assert "马金凤" in values and "回族" in values
    approval = pdf_text(client.get(f"/nominations/{stored.id}/approval-form.pdf"))
    assert "马金凤" in approval and "爱岗敬业" in approval
