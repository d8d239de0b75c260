"""Issuing, revoking, finding and logging certificates. Flush only: the unit of work commits."""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload

from workflow_app.auth.models import User
from workflow_app.campaigns.models import HonorType
from workflow_app.certificates.models import Certificate, PrintLog
from workflow_app.certificates.numbering import format_number, next_sequence
from workflow_app.core import faults, work
from workflow_app.core.errors import UserError
from workflow_app.core.sql import plain_connection
from workflow_app.core.text import forbidden_characters
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination
from workflow_app.orgs.models import OrgUnit

WORDING_FIELDS = {"recipient", "honor", "year"}
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is read off paper


class WordingError(UserError):
    """A certificate wording that cannot be used, with the reason for people."""


def check_wording(template: str) -> None:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        template.format(recipient="x", honor="y", year=2026)
    except (ValueError, KeyError, IndexError):
        raise WordingError(_l("The wording is not valid; use {recipient}, {honor} and {year}.")) from None
    if not fields <= WORDING_FIELDS:
        raise WordingError(_l("Only {recipient}, {honor} and {year} may appear in the wording."))
    if "recipient" not in fields:
        raise WordingError(_l("The wording must name the recipient: {recipient}."))


def fill_wording(template: str, *, recipient: str, honor: str, year: int) -> str:
    return template.format(recipient=recipient, honor=honor, year=year)


def create_certificate(nomination: Nomination, actor: User | None, today: date) -> Certificate:
    """Freeze what the certificate says and give it the next number of its year and honor."""
    honor = nomination.honor_type
    year = today.year
    sequence = next_sequence(honor, year)
    faults.reached("certificate.number_allocated")
    certificate = Certificate(
        nomination=nomination,
        honor_type=honor,
        year=year,
        sequence=sequence,
        number=format_number(honor.number_format, year=year, prefix=honor.number_prefix, seq=sequence),
        token=secrets.token_urlsafe(24),
        check_code="".join(secrets.choice(CHECK_ALPHABET) for _ in range(6)),
        title=honor.certificate_title,
        recipient=nomination.nominee_name,
        honor_name=honor.name,
        wording=fill_wording(honor.certificate_wording, recipient=nomination.nominee_name, honor=honor.name,
                             year=year) if honor.certificate_wording else "",
        issuer=honor.issuer,
        issued_on=today,
        issued_by_id=actor.id if actor else None,
    )
    db.session.add(certificate)
    return certificate


def certificate_of(nomination: Nomination) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination.id))


def revoke_certificate(nomination: Nomination, reason: str, when: datetime) -> None:
    certificate = certificate_of(nomination)
    if certificate is not None and certificate.revoked_at is None:
        certificate.revoked_at = when
        certificate.revoked_reason = reason


# The public page shows only what the certificate froze: one row, without the nomination's joins (and the
# campaign's honor types those bring); both still load on access if a caller wants them. Built once: the
# page is public and busy, and SQLAlchemy then reuses the statement's cache key instead of rebuilding it.
_BY_TOKEN = (select(Certificate).where(Certificate.token == bindparam("token"))
             .options(lazyload(Certificate.nomination), lazyload(Certificate.honor_type)))


def _usable_token(token: str) -> bool:
    return bool(token) and len(token) <= 64 and not forbidden_characters(token)  # PostgreSQL refuses NUL


def find_by_token(token: str) -> Certificate | None:
    return db.session.scalar(_BY_TOKEN, {"token": token}) if _usable_token(token) else None


class Verified(NamedTuple):
    """What the public verification page prints: the certificate's frozen text, nothing else (a tuple:
    the page's cache key as it is)."""

    id: int
    recipient: str
    honor_name: str
    issuer: str
    issued_on: date
    number: str
    revoked_at: datetime | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


_VERIFIED = select(*(getattr(Certificate, name) for name in Verified._fields)).where(
    Certificate.token == bindparam("token"))


def verified_by_token(token: str) -> Verified | None:
    """The busiest public page's one read, as a plain row (no ORM session): a QR scan costs little more
    than the bare-Flask floor's lookup."""
    if not _usable_token(token):
        return None
    with plain_connection() as connection:
        row = connection.execute(_VERIFIED, {"token": token}).first()
    return Verified(*row) if row is not None else None


def find_by_number(number: str, check_code: str) -> Certificate | None:
    """Lookup typed from paper: the number alone is guessable, so the check code must match."""
    number, check_code = (number or "").strip(), (check_code or "").strip().upper()
    if not number or not check_code or forbidden_characters(number + check_code) or len(number) > 64:
        return None
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number).options(
        lazyload(Certificate.nomination), lazyload(Certificate.honor_type)))
    # As bytes: compare_digest refuses str with anything but ASCII (a TypeError, for 验证码 typed as is).
    if certificate is None or not secrets.compare_digest(certificate.check_code.encode(), check_code.encode()):
        return None
    return certificate


def batch_query(campaign_id: int, honor_type_id: int | None = None, *, include_revoked: bool = False) -> Select:
    """Certificates of a campaign in print order: township, then unit, then number."""
    township = db.aliased(OrgUnit)
    unit = db.aliased(OrgUnit)
    query = (
        select(Certificate)
        .join(Nomination, Certificate.nomination_id == Nomination.id)
        .join(township, Nomination.quota_unit_id == township.id)
        .join(unit, Nomination.org_unit_id == unit.id)
        .join(HonorType, Certificate.honor_type_id == HonorType.id)
        .where(Nomination.campaign_id == campaign_id, HonorType.conferral != "recommendation")
        .order_by(township.code, unit.code, Certificate.honor_type_id, Certificate.sequence)
    )
    if honor_type_id:
        query = query.where(Certificate.honor_type_id == honor_type_id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    return query


def record_prints(certificates: Iterable[Certificate], actor: User | None, printed_at: datetime,
                  job: str | None = None) -> str:
    """Log one print of each certificate in one print job (a new id unless ``job`` continues one);
    returns the print job id. The print log is bookkeeping: printing from a GET (a PDF link) writes it."""
    job = job or uuid.uuid4().hex
    with work.bookkeeping():
        for certificate in certificates:
            certificate.print_count += 1
            db.session.add(PrintLog(job=job, certificate_id=certificate.id,
                                    printed_by_id=actor.id if actor else None,
                                    printed_by_name=actor.display_name if actor else "system",
                                    printed_at=printed_at, print_number=certificate.print_count))
    return job
