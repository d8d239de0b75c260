"""From certificate rows to PDF pages: the one path the web, the CLI and the benchmark share."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import BinaryIO

from flask import current_app, has_request_context, request
from flask_babel import gettext as _

from workflow_app.auth.models import User
from workflow_app.campaigns.models import HonorType
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.numbering import format_number
from workflow_app.certificates.paper_forms import recommendation_form_data
from workflow_app.certificates.pdf import (
    CertificatePage,
    CertificateStyle,
    check_fonts,
    render_certificates,
    render_recommendation_form,
)
from workflow_app.certificates.services import fill_wording, record_prints
from workflow_app.core.timeutil import china_today, utcnow


def public_base_url() -> str:
    """Where the public verification page lives. Configured, so a certificate printed from the
    command line or an intranet address carries the address people can actually reach."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def verify_url(certificate: Certificate, base_url: str | None = None) -> str:
    # Built from the URL map directly: the command line and the job worker print without a request.
    path = current_app.url_map.bind("").build("certificates.verify", {"token": certificate.token})
    return (base_url or public_base_url()) + path


def page_for(certificate: Certificate, base_url: str | None = None) -> CertificatePage:
    return CertificatePage(
        title=certificate.title,
        recipient=certificate.recipient,
        wording=certificate.wording,
        issuer=certificate.issuer,
        issued_on=certificate.issued_on,
        number=certificate.number,
        verify_url=verify_url(certificate, base_url),
        check_code=certificate.check_code,
    )


def style_for(honor_type: HonorType) -> CertificateStyle:
    config = current_app.config
    return CertificateStyle(
        seal_png=honor_type.seal_png,
        background=honor_type.background_image,
        title_font=config.get("CERTIFICATE_TITLE_FONT") or None,
        body_font=config.get("CERTIFICATE_BODY_FONT") or None,
    )


def print_certificates(certificates: Sequence[Certificate], actor: User | None, out: BinaryIO,
                       progress: Callable[[int], None] | None = None) -> str:
    """Check every character against the fonts first (raises MissingGlyphs, nothing printed),
    draw one page per certificate, then log the prints; returns the print job id.
    A 推优入党 recommendation is a form of its own, printed alone."""
    if len(certificates) == 1 and certificates[0].honor_type.conferral == "recommendation":
        render_recommendation_form(recommendation_form_data(certificates[0]), out)
        return record_prints(certificates, actor, utcnow())
    if any(c.honor_type.conferral == "recommendation" for c in certificates):
        raise ValueError("recommendation forms are printed one at a time")
    styles: dict[int, CertificateStyle] = {}
    pages = []
    by_page = {}
    for certificate in certificates:
        if certificate.honor_type_id not in styles:
            styles[certificate.honor_type_id] = style_for(certificate.honor_type)
        page = page_for(certificate)
        pages.append(page)
        by_page[id(page)] = styles[certificate.honor_type_id]
    for style in styles.values():
        check_fonts([p for p in pages if by_page[id(p)] is style], style)
    render_certificates(pages, out, style=lambda page: by_page[id(page)], progress=progress)
    return record_prints(certificates, actor, utcnow())


def preview_pdf(honor_type: HonorType, values: dict) -> bytes:
    """A sample certificate from unsaved template values (nothing logged); raises MissingGlyphs."""
    today = china_today()
    sample = _("Zhang San") if honor_type.nominee_kind == "person" else _("Sample Company Trade Union")
    page = CertificatePage(
        title=values["certificate_title"],
        recipient=sample,
        wording=fill_wording(values["certificate_wording"], recipient=sample, honor=honor_type.name,
                             year=today.year),
        issuer=values["issuer"],
        issued_on=today,
        number=format_number(values["number_format"], year=today.year, prefix=values["number_prefix"], seq=1),
        verify_url=public_base_url() + "/verify/preview",
    )
    style = CertificateStyle(seal_png=values["seal_png"], background=values["background_image"],
                             title_font=current_app.config.get("CERTIFICATE_TITLE_FONT") or None,
                             body_font=current_app.config.get("CERTIFICATE_BODY_FONT") or None)
    buffer = io.BytesIO()
    check_fonts([page], style)
    render_certificates([page], buffer, style=style)
    return buffer.getvalue()
