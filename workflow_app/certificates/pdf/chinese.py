"""Dates written the way official documents write them."""

from __future__ import annotations

import datetime

_DIGITS = "〇一二三四五六七八九"  # 〇 is U+3007, never the digit 0 or the letter O


def _number(n: int) -> str:
    """1–31 as 一 … 十九, 二十, 二十一 … 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(day: datetime.date) -> str:
    """二〇二六年十一月二十四日: the year digit by digit, month and day as numbers."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_number(day.month)}月{_number(day.day)}日"


def numeric_date(day: datetime.date | None) -> str:
    """2026年11月24日, as forms are filled in; with no day the blanks to write one by hand."""
    if day is None:
        return "　　　　年　　月　　日"
    return f"{day.year}年{day.month}月{day.day}日"
