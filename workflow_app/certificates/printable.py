"""Which typed characters the printed documents cannot draw, checked when they are typed.

The certificate, the approval form (推荐审批表), the recommendation form and the notice embed CJK fonts
(the packaged Union Serif SC, or a site's own), with the fallback fonts (WORKFLOW_FALLBACK_FONTS, e.g.
HanaMinB for CJK Extensions B–F) for the characters they lack. A character none of them has would be refused
at print time, after three levels of review; a field whose text is printed refuses it at input instead, naming the
characters, so the chair can write the name as the ID card does or ask for a font that has it."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from workflow_app.certificates.pdf.fonts import Face, FontError, clean, face


def _faces() -> list[Face]:
    """The packaged font (forms, notice) and the site's certificate fonts; one that cannot be loaded is left
    to the print run, which reports it."""
    faces = [face(None)]
    for setting in ("CERTIFICATE_TITLE_FONT", "CERTIFICATE_BODY_FONT"):
        spec = current_app.config.get(setting)
        if spec:
            try:
                faces.append(face(spec))
            except FontError:
                continue
    return faces


def unprintable(text: str) -> list[str]:
    """Characters of ``text`` some printing font lacks and no fallback font has, in order, each once (after
    the PDF layer's own cleaning: NFC, control and format characters such as right-to-left marks dropped)."""
    cleaned = clean(text, keep_newlines=True)
    missing: dict[str, None] = {}
    for font in _faces():
        for ch in font.missing(cleaned):
            missing.setdefault(ch)
    return list(missing)


def unprintable_message(characters: list[str]):
    listing = "、".join(f"「{ch}」U+{ord(ch):04X}" for ch in characters)
    return _l("These characters cannot be printed on the certificate and forms: %(characters)s. Write them as the "
              "ID card does, or ask the administrator for a font that has them.", characters=listing)


def printable(_form, field) -> None:
    """WTForms validator for text that goes on printed documents."""
    if isinstance(field.data, str) and field.data:
        missing = unprintable(field.data)
        if missing:
            raise ValidationError(unprintable_message(missing))
