"""The issued certificate's PDF, kept with the uploads (so backups carry it): the document exactly
as it was issued, printed again from the file rather than drawn anew.

It is written inside the issuing transaction, which keeps the database the only judge of what exists:
the bytes go through ``workflow_app.core.storage`` (a temporary name, synced, then renamed to
``<token>.pdf`` before the commit); if the transaction then does not commit, the file is removed
again, whatever made it fail. So a committed certificate always has its whole file, and a rolled-back
one leaves none. Only a process killed between the rename and the commit can leave a file no row
names — harmless, and found by ``unreferenced_files``.

Recommendation forms (推优入党) are not stored: they are printed in the reader's language.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from workflow_app.certificates.models import Certificate
from workflow_app.certificates.pdf import check_fonts, render_certificates
from workflow_app.certificates.printing import page_for, style_for
from workflow_app.core import faults, storage, work
from workflow_app.extensions import db

CHUNK = 64 * 1024


def folder() -> Path:
    return storage.folder("certificates")


def issued_path(certificate: Certificate) -> Path:
    # The token, not the id: ids are not known before the flush and SQLite may reuse a rolled-back one.
    return storage.path_of("certificates", f"{certificate.token}.pdf")


def stored_pdf(certificate: Certificate) -> Path | None:
    """The issued file, or None for certificates without one (recommendation forms, rows made
    before certificates were stored, or by the scale data set)."""
    path = issued_path(certificate)
    return path if path.is_file() else None


def store_issued(certificate: Certificate) -> Path | None:
    """Draw the certificate and keep it under its final name; removed again unless the session's
    transaction commits. Raises MissingGlyphs (nothing written) when the fonts lack a character."""
    if certificate.honor_type.conferral == "recommendation":
        return None
    style, page = style_for(certificate.honor_type), page_for(certificate)
    check_fonts([page], style)
    buffer = io.BytesIO()
    render_certificates([page], buffer, style=style)
    final = issued_path(certificate)
    work.remove_unless_committed(final)
    data = buffer.getbuffer()
    with storage.open_for_writing("certificates", final.name) as handle:  # a whole file, or none
        for start in range(0, len(data), CHUNK):
            handle.write(data[start:start + CHUNK])
            faults.reached("certificate.pdf_writing")
    faults.reached("certificate.pdf_written")
    return final


def unreferenced_files() -> list[Path]:
    """Files in the folder that no certificate names (temporary ones included)."""
    tokens = set(db.session.scalars(select(Certificate.token)))
    return sorted(path for path in folder().iterdir()
                  if not (path.suffix == ".pdf" and path.stem in tokens))

