"""Certificates: one per certified nomination, numbered per year and honor type, never reused."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.campaigns.models import HonorType
from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination


class CertificateSequence(db.Model):
    """The last number used per honor type and year. Incremented with one UPDATE … RETURNING
    inside the issuing transaction: concurrent issuers queue on the row, and a rolled-back
    issue gives its number back, so numbers are unique and gap-free."""

    __tablename__ = "certificate_sequence"

    honor_type_id: Mapped[int] = mapped_column(ForeignKey("honor_type.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(db.Model):
    """What was printed, frozen at issue: later template edits do not change an issued certificate."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("honor_type_id", "year", "sequence", name="uq_certificate_honor_type_year_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), unique=True)
    honor_type_id: Mapped[int] = mapped_column(ForeignKey("honor_type.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    # Unguessable: the QR code carries it. The short check code pairs with the number for
    # lookups typed by hand.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    check_code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(120))
    honor_name: Mapped[str] = mapped_column(String(64))
    wording: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, default=0)

    nomination: Mapped[Nomination] = relationship(lazy="joined", backref="certificate_rows")
    honor_type: Mapped[HonorType] = relationship(lazy="joined")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PrintLog(db.Model):
    """Every print of a certificate: who, when, in which job, and the how-many-th print it was."""

    __tablename__ = "print_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    printed_by_name: Mapped[str] = mapped_column(String(64))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    print_number: Mapped[int] = mapped_column(Integer)  # 1 = first print, 2+ = reprints
