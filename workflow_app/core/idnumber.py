"""Chinese resident ID numbers (GB 11643-1999) and masking of personal data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


class InvalidIdNumber(ValueError):
    """The message is for people (translated lazily)."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "male" | "female", from the parity of the sequence digits


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """Validate an 18-character ID number; accepts a lowercase x and returns it uppercased."""
    # Chinese input methods often type full-width digits (４４０５…): fold them to ASCII first.
    value = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdNumber(_l("An ID number has 18 characters; this one has %(count)d.", count=len(value)))
    if not ID_PATTERN.fullmatch(value):
        raise InvalidIdNumber(_l("An ID number is 17 digits followed by a digit or X."))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(_l("The birth date inside the ID number does not exist.")) from None
    if born > today or born.year < 1800:  # the standard itself uses an 1880 example
        raise InvalidIdNumber(_l("The birth date inside the ID number is impossible."))
    if check_character(value[:17]) != value[17]:
        raise InvalidIdNumber(_l("The check character of the ID number is wrong; please check every digit."))
    gender = "male" if int(value[16]) % 2 == 1 else "female"
    return IdNumber(value=value, birth_date=born, gender=gender)


def mask_id_number(value: str | None) -> str:
    """Keep the first four and last four characters: 4116**********0014."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****1234 for mobiles; landlines keep their last four digits."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_front = 3 if len(digits) == 11 and digits.isdigit() else 0
    return digits[:keep_front] + "*" * (len(digits) - keep_front - 4) + digits[-4:]
