"""Text people type: which characters the app refuses at input, and which it cannot print.

Refused everywhere: C0 and C1 control characters (tab, line feed and carriage return aside), DEL and the
Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF …). They are invisible, arrive by pasting, and
break what comes after: PostgreSQL refuses NUL in text, Excel files cannot hold them (openpyxl raises
IllegalCharacterError), XML and PDF text drop them. Kept: right-to-left marks, joiners and every other
format character real text uses (Arabic, emoji sequences, combining marks)."""

from __future__ import annotations

import re

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                       "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U000efffe\U000effff"
                       "\U000ffffe\U000fffff\U0010fffe\U0010ffff\ud800-\udfff]")


def forbidden_characters(text: str) -> list[str]:
    """The refused characters of ``text``, in order, each once."""
    return list(dict.fromkeys(FORBIDDEN.findall(text)))


def without_forbidden(text: str) -> str:
    return FORBIDDEN.sub("", text)


def code_points(characters: list[str]) -> str:
    """How a message names characters people cannot see: U+0000, U+000B."""
    return ", ".join(f"U+{ord(ch):04X}" for ch in characters)
