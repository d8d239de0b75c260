"""Who exported what: every spreadsheet of personal data handed out leaves a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.core.timeutil import UTCDateTime, utcnow
from workflow_app.extensions import db


class ExportLog(db.Model):
    """One export. ``full`` marks an export with unmasked ID numbers and phones. The actor's name
    is copied (``cli`` for the command line), so the record reads the same after a rename."""

    __tablename__ = "export_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "nominations"; other exports add their own
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
