"""The daily reminder log: one reminder per user per China day, however often the job runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.extensions import db


class ReminderSent(db.Model):
    """One reminder per user per China day, however often the command runs."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_reminder_sent_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    day: Mapped[date] = mapped_column(Date)
    overdue: Mapped[int] = mapped_column(Integer)
