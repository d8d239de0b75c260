"""Printing many certificates at once, as a background job.

A county printing thousands of certificates feeds them to a printer (or a print shop) a ream at a time,
and must be able to reprint one part after a jam: so a batch larger than ``PRINT_CHUNK_PAGES`` (500,
one ream) becomes a zip of PDFs of that many pages each, in print order (township → unit → number),
with ``contents.csv`` saying which file and page holds which certificate. A batch that fits one chunk
is one PDF. Each chunk is rendered and written into the zip before the next is loaded, so memory holds
one chunk whatever the batch's size; every character of the whole batch is checked against the fonts
before the first page is drawn, and the print log is written with the job's "done", in one commit."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import BinaryIO, NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased, lazyload

from workflow_app.auth.models import User
from workflow_app.campaigns.models import Campaign, HonorType
from workflow_app.certificates.models import Certificate
from workflow_app.certificates.pdf import CertificatePage, CertificateStyle, MissingGlyphs, check_fonts
from workflow_app.certificates.pdf import render_certificates as render_pdf
from workflow_app.certificates.printing import page_for, public_base_url, style_for
from workflow_app.certificates.services import record_prints
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import db
from workflow_app.jobs.kinds import JobFailed, Result
from workflow_app.jobs.models import Job
from workflow_app.jobs.services import Progress, create_job
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit
from workflow_app.policy import administered_filter

KIND = "certificate_batch"
LOAD_CHUNK = 500  # rows loaded at a time for the font check and the print log


class Entry(NamedTuple):
    """One certificate of the batch, as the contents list names it."""

    id: int
    number: str
    recipient: str
    township: str
    unit: str


def selection_query(actor: User, *, campaign_id: int | None = None, honor_type_id: int | None = None,
                    certificate_ids: Sequence[int] | None = None):
    """Valid certificates (not revoked, no 推优入党 forms) of a campaign or of a list of ids, that
    ``actor`` administers, in print order. The same query counts the selection in the request and
    fetches it in the job, so the job prints what the administrator may print when it runs."""
    township, unit = aliased(OrgUnit), aliased(OrgUnit)
    query = (select(Certificate.id, Certificate.number, Certificate.recipient, township.name, unit.name)
             .join(Nomination, Certificate.nomination_id == Nomination.id)
             .join(township, Nomination.quota_unit_id == township.id)
             .join(unit, Nomination.org_unit_id == unit.id)
             .join(HonorType, Certificate.honor_type_id == HonorType.id)
             .where(HonorType.conferral != "recommendation", Certificate.revoked_at.is_(None),
                    administered_filter(actor))
             .order_by(township.code, unit.code, Certificate.honor_type_id, Certificate.sequence))
    if certificate_ids is not None:
        query = query.where(Certificate.id.in_(list(certificate_ids)))
    else:
        query = query.where(Nomination.campaign_id == campaign_id)
        if honor_type_id:
            query = query.where(Certificate.honor_type_id == honor_type_id)
    return query


def start_batch(actor: User, campaign: Campaign, *, honor_type_id: int | None = None,
                certificate_ids: Sequence[int] | None = None) -> Job:
    """A queued batch job (flushed; the caller commits and dispatches). The verification address is
    taken now, from the configuration or the request, since the worker has no request."""
    params: dict = {"base_url": public_base_url()}
    if certificate_ids is not None:
        params["certificate_ids"] = list(certificate_ids)
    else:
        params.update(campaign_id=campaign.id, honor_type_id=honor_type_id)
    return create_job(KIND, params, actor, campaign.county)


def _entries(job: Job) -> list[Entry]:
    params = job.params
    query = selection_query(job.created_by, campaign_id=params.get("campaign_id"),
                            honor_type_id=params.get("honor_type_id"), certificate_ids=params.get("certificate_ids"))
    return [Entry(*row) for row in db.session.execute(query)]


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _load(ids: Sequence[int]) -> list[Certificate]:
    """Certificates by id in the given order, without the nomination's joins (the page needs only
    what the certificate froze, and its honor type's seal)."""
    rows = db.session.scalars(select(Certificate).where(Certificate.id.in_(list(ids)))
                              .options(lazyload(Certificate.nomination))).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


class _Pages:
    """Pages and their styles for chunks of the batch; styles are built once per honor type."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.styles: dict[int, CertificateStyle] = {}

    def of(self, certificates: Sequence[Certificate]) -> list[tuple[CertificatePage, CertificateStyle]]:
        result = []
        for certificate in certificates:
            style = self.styles.get(certificate.honor_type_id)
            if style is None:
                style = self.styles[certificate.honor_type_id] = style_for(certificate.honor_type)
            result.append((page_for(certificate, self.base_url), style))
        return result


def _check_all(entries: Sequence[Entry], pages: _Pages) -> None:
    """Every character of every certificate against the fonts, before anything is drawn."""
    missing: dict[str, None] = {}
    for chunk in _chunks([e.id for e in entries], LOAD_CHUNK):
        by_style: dict[CertificateStyle, list[CertificatePage]] = {}
        for page, style in pages.of(_load(chunk)):
            by_style.setdefault(style, []).append(page)
        for style, style_pages in by_style.items():
            try:
                check_fonts(style_pages, style)
            except MissingGlyphs as error:
                missing.update(dict.fromkeys(error.characters))
    if missing:
        listing = "、".join(f"「{c}」U+{ord(c):04X}" for c in missing)
        raise JobFailed(_l("Nothing was printed: the certificate font lacks these characters: %(characters)s. "
                           "Configure a font that has them, or correct the names.", characters=listing))


def _render(entries: Sequence[Entry], pages: _Pages, out: BinaryIO, progress: Progress) -> None:
    prepared = pages.of(_load([e.id for e in entries]))
    styles = {id(page): style for page, style in prepared}
    render_pdf([page for page, _style in prepared], out, style=lambda page: styles[id(page)],
               progress=lambda _n: progress.advance())


def _contents(entries: Sequence[Entry], chunk: int, names: list[str]) -> bytes:
    """Which file and page holds which certificate (UTF-8 with a BOM, so Excel reads the Chinese)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["file", "page", "number", "recipient", "township", "unit"])
    for index, entry in enumerate(entries):
        writer.writerow([names[index // chunk], index % chunk + 1, entry.number, entry.recipient, entry.township,
                         entry.unit])
    return text.getvalue().encode("utf-8-sig")


def run_batch_job(job: Job, out: BinaryIO, progress: Progress) -> Result:
    """The job: check, render chunk by chunk, log the prints."""
    entries = _entries(job)
    if not entries:
        raise JobFailed(_l("There is nothing to print: the selection holds no valid certificate you administer."))
    pages = _Pages(job.params.get("base_url") or public_base_url())
    _check_all(entries, pages)
    progress.start(len(entries))
    chunk = current_app.config["PRINT_CHUNK_PAGES"]
    stamp = f"{china_today():%Y%m%d}-{job.id}"
    if len(entries) <= chunk:
        _render(entries, pages, out, progress)
        result = Result(f"certificates-{stamp}.pdf", "application/pdf")
    else:
        parts = -(-len(entries) // chunk)
        names = [f"part-{n:03d}-of-{parts:03d}.pdf" for n in range(1, parts + 1)]
        # PDFs are compressed already: stored, not deflated again.
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, part in zip(names, _chunks(entries, chunk), strict=True):
                with archive.open(name, "w", force_zip64=True) as member:
                    _render(part, pages, member, progress)  # the chunk's rows and pages go with it
            archive.writestr("contents.csv", _contents(entries, chunk, names))
        result = Result(f"certificates-{stamp}.zip", "application/zip")
    printed_at = utcnow()
    actor = db.session.get(User, job.created_by_id)
    for ids in _chunks([e.id for e in entries], LOAD_CHUNK):
        record_prints(_load(ids), actor, printed_at, job=f"job-{job.id}")
        db.session.flush()
    return result
