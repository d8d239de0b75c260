"""In-app notifications, and their e-mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db

NOTIFICATION_KINDS = ("todo", "returned", "rejected", "objection", "approved", "certified", "reminder")


class Notification(db.Model):
    """Stored as a kind and parameters, so it reads in each recipient's own language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unsent", "emailed_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nomination.id"))
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outbox: a delivery claims the row (a random claim and its time) before sending its mail, so two
    # deliveries never send it twice; a claim older than the lease belonged to a process that died.
    email_claim: Mapped[str | None] = mapped_column(String(32))
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

