"""Dates, times and numbers for people, in the current locale (Flask-Babel) and in China time.

One place decides the formats, so every page, message and e-mail writes a day the same way:
2026年11月24日 / Nov 24, 2026, and a moment as 2026年11月24日 14:32 / Nov 24, 2026 14:32."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates
from flask_babel import LazyString, format_decimal, format_percent, get_locale

from workflow_app.core.timeutil import to_china

LOCALES = {"zh_Hans_CN": "简体中文", "en": "English"}  # the interface's languages
DATE_FORMAT = "medium"  # zh: 2026年11月24日, en: Nov 24, 2026
TIME_FORMAT = "HH:mm"  # 24-hour clock in both languages, as in China


# Formatting is a pure function of the locale and the value: lists and timelines print the same days and
# minutes over and over, and Flask-Babel's format_date/format_time look the locale and time zone up
# through the request context on every call (~60 µs a moment; a list has one per row).
@lru_cache(maxsize=4096)
def _day_in(locale: Locale, day: date) -> str:
    return dates.format_date(day, DATE_FORMAT, locale=locale)


@lru_cache(maxsize=4096)
def _clock_in(locale: Locale, hour: int, minute: int) -> str:
    return dates.format_time(datetime(2000, 1, 1, hour, minute).time(), TIME_FORMAT, locale=locale)


def active_locale() -> Locale:
    """The request's locale (Chinese outside a request)."""
    return get_locale() or Locale.parse("zh_Hans_CN")


def day_text(day: date | datetime | None) -> str:
    """A calendar day (a datetime counts by its China date)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_china(day).date()
    return _day_in(active_locale(), day)


def time_text(moment: datetime | None) -> str:
    """The China clock time of a moment, 14:32."""
    if moment is None:
        return ""
    china = to_china(moment)
    return _clock_in(active_locale(), china.hour, china.minute)


def moment_text(moment: datetime | None, locale: Locale | None = None) -> str:
    """A stored (UTC) moment as a China day and clock time; ``locale`` (default: the current one) spares a
    list the locale lookup on every row."""
    if moment is None:
        return ""
    china, locale = to_china(moment), locale or active_locale()
    return f"{_day_in(locale, china.date())} {_clock_in(locale, china.hour, china.minute)}"


def number_text(value: float | int | None, decimals: int | None = None) -> str:
    """A count or measure with the locale's grouping (1,200); ``decimals`` fixes the digits after the point."""
    if value is None:
        return ""
    return format_decimal(value, f"#,##0.{'0' * decimals}" if decimals else None)


def percent_text(value: float | None, decimals: int = 1) -> str:
    """A percentage given as 0–100 (95.5 → 95.5%)."""
    if value is None:
        return ""
    return format_percent(value / 100, f"#,##0.{'0' * decimals}%" if decimals else "#,##0%")


def lazy_day(day: date | None) -> LazyString:
    """A day for a lazily translated message: formatted when the message is shown, in the reader's
    locale (guard messages are built once and read on pages, flashes and e-mails)."""
    return LazyString(day_text, day)


def translated(labels: dict) -> Callable[[str], str]:
    """A template filter naming a code by its label, translated once per locale and then looked up: lists
    print a state, event or role on every row (and the state menu all of them), and each lazy label
    resolved on its own costs a catalog lookup through the request context."""
    by_locale: dict = {}

    def label(code: str) -> str:
        locale = get_locale()
        table = by_locale.get(locale)
        if table is None:
            table = by_locale[locale] = {key: str(value) for key, value in labels.items()}
        return table.get(code, code)

    return label
