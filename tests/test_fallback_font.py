"""Rare CJK characters the packaged font lacks (𠀀 U+20000, 𪚥 U+2A6A5) print in the fallback font
(Debian's fonts-hanazono HanaMinB): drawn in it, measured in it, embedded, and read back exactly by
pdftotext and pypdf. Without the fallback they are refused, as before; a character no font has always is."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from tests.conftest import require
from tests.test_pdf import REVIEWS, page, text_of, tool
from workflow_app.certificates.pdf import (
    ApprovalForm,
    CertificateStyle,
    MissingGlyphs,
    check_fonts,
    render_approval_form,
    render_certificates,
)
from workflow_app.certificates.pdf.fonts import HANAZONO_B, FontError, face, fallbacks
from workflow_app.certificates.pdf.layout import char_width, font_runs, text_width
from workflow_app.certificates.printable import unprintable

RARE = "𠀀𪚥"  # U+20000, U+2A6A5: Extension B, not in the packaged font
NAME = f"马{RARE}凤"
NO_FONT = "\U00030000"  # U+30000 (Extension G): in neither font


@pytest.fixture
def hanazono(monkeypatch):
    """The fallback configured explicitly (the default when the file exists)."""
    if not HANAZONO_B.is_file():
        require("fonts-hanazono", "WORKFLOW_REQUIRE_BROWSER", "the fallback font HanaMinB is not installed")
    monkeypatch.setenv("WORKFLOW_FALLBACK_FONTS", str(HANAZONO_B))
    [spare] = fallbacks()
    assert all(ord(ch) not in face().cmap and ord(ch) in spare.cmap for ch in RARE)
    return spare


def pdffonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r"\s+", "", out)


def embedded(pdf: bytes) -> set[str]:
    """The base font names of every page's fonts (pypdf), without the subset tag."""
    names = set()
    for p in PdfReader(io.BytesIO(pdf)).pages:
        for font in p["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_rare_characters_print_on_a_certificate_in_the_fallback_font_and_read_back(hanazono, tmp_path):
    certificate = page(NAME, wording=f"兹授予{NAME}“沈丘县优秀工会工作者”荣誉称号。事迹：{RARE}。特发此证。",
                       issuer=f"沈丘县{RARE}总工会", title=f"荣誉{RARE}证书")
    check_fonts([certificate])
    out = io.BytesIO()
    render_certificates([certificate], out, CertificateStyle())
    pdf = out.getvalue()
    fonts = embedded(pdf)
    assert any(name.startswith("UnionSerifSC") for name in fonts) and any(
        name.startswith("HanaMinB") for name in fonts), fonts
    listing = pdffonts(pdf, tmp_path)
    assert "HanaMinB" in listing and "UnionSerifSC" in listing, listing
    for text in (text_of(pdf)[0], pdftotext(pdf, tmp_path)):
        for expected in (NAME, f"事迹：{RARE}。", f"沈丘县{RARE}总工会", f"荣誉{RARE}证书"):
            assert expected in text, (expected, text)


def test_the_approval_form_prints_a_rare_name_and_deeds_with_both_fonts_embedded(hanazono, tmp_path):
    form = ApprovalForm(campaign="2026年度评先评优", honor="沈丘县优秀工会工作者",
                        nominee=[("姓名", NAME), ("性别", "女")], deeds=f"该同志{RARE}认真履行职责。" * 30,
                        reviews=REVIEWS)
    out = io.BytesIO()
    render_approval_form(form, out)
    pdf = out.getvalue()
    assert {n.split("-")[0] for n in embedded(pdf)} >= {"UnionSerifSC", "HanaMinB"}
    for text in ("".join(text_of(pdf)), pdftotext(pdf, tmp_path)):
        # every character, once per place (pdftotext may set the vertically centred label within the deeds)
        assert NAME in text and f"该同志{RARE}认真" in text and text.count("𠀀") == text.count("𪚥") == 31, text


def test_widths_are_measured_in_the_font_that_draws_each_character(hanazono):
    main = face().name
    assert font_runs(f"王{RARE}凤", main) == [(main, "王"), (hanazono.name, RARE), (main, "凤")]
    assert font_runs("马金凤", main) == [(main, "马金凤")]
    expected = char_width("王", main, 20) + sum(char_width(c, hanazono.name, 20) for c in RARE)
    assert text_width(f"王{RARE}", main, 20) == pytest.approx(expected) and expected > 0


def test_a_character_no_font_has_is_still_refused_by_name(app, hanazono):
    with app.app_context():
        assert unprintable(f"马{RARE}{NO_FONT}凤") == [NO_FONT], "the input check refuses only what no font has"
    assert ord(NO_FONT) not in hanazono.cmap and ord(NO_FONT) not in face().cmap
    with pytest.raises(MissingGlyphs) as refused:
        check_fonts([page(f"马{RARE}{NO_FONT}")])
    assert refused.value.characters == [NO_FONT] and "U+30000" in str(refused.value)


@pytest.mark.parametrize("setting", ["", "/usr/share/fonts/truetype/hanazono/NoSuchFont.ttf"])
def test_without_the_fallback_font_rare_characters_are_refused_as_before(app, monkeypatch, setting):
    monkeypatch.setenv("WORKFLOW_FALLBACK_FONTS", setting)
    assert fallbacks() == []
    with app.app_context():
        assert unprintable(NAME) == list(RARE), "refused at input, named"
    with pytest.raises(MissingGlyphs) as refused:
        check_fonts([page(NAME)])
    assert refused.value.characters == list(RARE)


def test_a_fallback_outside_the_allowed_folders_is_left_out(monkeypatch, tmp_path):
    stray = tmp_path / "Stray.ttf"
    stray.write_bytes(b"never parsed: the folder is not allowed")
    monkeypatch.setenv("WORKFLOW_FALLBACK_FONTS", str(stray))
    assert fallbacks() == []
    with pytest.raises(FontError, match="fonts must live in one of"):
        face(str(stray))
