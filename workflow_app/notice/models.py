"""Public notice (公示): objections from the public and the holiday calendar for working days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db
from workflow_app.nominations.models import Nomination

OBJECTION_CHANNELS = ("online", "phone", "letter")
OBJECTION_STATUSES = ("open", "upheld", "dismissed")


class Holiday(db.Model):
    """A day that breaks the Monday–Friday rule: a public holiday (``working`` false), or a
    weekend day made a working day in exchange (调休, ``working`` true)."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    working: Mapped[bool] = mapped_column(Boolean, default=False)


class Objection(db.Model):
    """A real-name objection. The objector's identity is shown to county reviewers only."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id"), index=True)
    objector_name: Mapped[str] = mapped_column(String(64))
    objector_contact: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="online")
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(64))
    attachment_storage: Mapped[str | None] = mapped_column(String(64))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    # Whole notice days left when it arrived: a dismissal may resume the period with these.
    days_left: Mapped[int | None] = mapped_column(Integer)
    # The random key of the form it came with: the same form sent twice is one objection.
    submission_key: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)

    nomination: Mapped[Nomination] = relationship(backref="objections")
