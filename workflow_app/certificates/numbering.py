"""Certificate numbers: per year and honor type, unique, gap-free, never reused."""

from __future__ import annotations

import string

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from workflow_app.campaigns.models import HonorType
from workflow_app.certificates.models import CertificateSequence
from workflow_app.core.errors import UserError
from workflow_app.extensions import db

NUMBER_FIELDS = {"year", "prefix", "seq"}


class NumberFormatError(UserError):
    """A refusal whose message is for people."""


def check_number_format(template: str) -> None:
    """Refuse formats that would not give unique numbers or that name unknown fields."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        format_number(template, year=2026, prefix="X", seq=1)
    except (ValueError, KeyError, IndexError):
        raise NumberFormatError(_l("The number format is not valid; use {year}, {prefix} and {seq}.")) from None
    if not fields <= NUMBER_FIELDS:
        raise NumberFormatError(_l("Only {year}, {prefix} and {seq} may appear in the number format."))
    if not {"year", "seq"} <= fields:
        raise NumberFormatError(_l("The number format must contain {year} and {seq}, or numbers would repeat."))


def format_number(template: str, *, year: int, prefix: str, seq: int) -> str:
    return template.format(year=year, prefix=prefix, seq=seq)


def next_sequence(honor_type: HonorType, year: int) -> int:
    """Take the next number in the caller's transaction. The UPDATE locks the counter row until
    commit, so concurrent issuers get consecutive numbers; a rollback returns the number."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(CertificateSequence)
        .values(honor_type_id=honor_type.id, year=year, last_value=0)
        .on_conflict_do_nothing()
    )
    return db.session.execute(
        update(CertificateSequence)
        .where(CertificateSequence.honor_type_id == honor_type.id, CertificateSequence.year == year)
        .values(last_value=CertificateSequence.last_value + 1)
        .returning(CertificateSequence.last_value)
    ).scalar_one()
