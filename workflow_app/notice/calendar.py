"""Notice-period arithmetic in China calendar days, with working days per the holiday list.

A period starts the day after the decision (the next working day, when counting working days)
and ends at 24:00 China time on its last day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.notice.models import Holiday

MAX_SPAN = 370  # a notice never spans more than a year: stop looking beyond it


def _exceptions(start: date, end: date) -> dict[date, bool]:
    """Days in [start, end] whose working status differs from the Monday–Friday rule."""
    rows = db.session.execute(select(Holiday.day, Holiday.working).where(Holiday.day.between(start, end)))
    return {day: working for day, working in rows}


def is_working_day(day: date, exceptions: dict[date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def notice_period(decided_on: date, days: int, working_days: bool) -> tuple[date, date]:
    """First and last day of a notice of ``days`` (working) days decided on ``decided_on``."""
    days = max(int(days), 1)
    start = decided_on + timedelta(days=1)
    if not working_days:
        return start, start + timedelta(days=days - 1)
    exceptions = _exceptions(start, start + timedelta(days=MAX_SPAN))
    counted, day, first = 0, start, None
    while True:
        if is_working_day(day, exceptions):
            first = first or day
            counted += 1
            if counted == days:
                return first, day
        day += timedelta(days=1)
        if day > start + timedelta(days=MAX_SPAN):
            raise ValueError("no working days found within a year; check the holiday list")


def days_left(nomination, today: date) -> int:
    """Notice days from ``today`` (included) to the end: what an objection interrupts."""
    start, end = nomination.notice_starts_on, nomination.notice_ends_on
    if start is None or end is None or end < today:
        return 0
    first = max(start, today)
    if not nomination.campaign.notice_working_days:
        return (end - first).days + 1
    exceptions = _exceptions(first, end)
    return sum(1 for offset in range((end - first).days + 1)
               if is_working_day(first + timedelta(days=offset), exceptions))
