"""The password policy, applied wherever a password is set (command line, change-password page).

Length does most of the work; the other rules refuse the passwords attackers try first: digits only
(birthdays, phone numbers), the username itself, and the most common choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10

# The most common passwords of leaked Chinese and international lists, lowercased, of policy length
# or more (shorter ones are refused by length anyway); kept small on purpose.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "1111111111", "0000000000", "1q2w3e4r5t", "qwertyuiop", "1qaz2wsx3edc",
    "password123", "password1234", "password12", "passw0rd123", "p@ssw0rd123", "iloveyou1314", "woaini1314",
    "woaini521521", "abc1234567", "abcd123456", "a123456789", "qq123456789", "aa123456789", "abc123456789",
    "admin12345", "admin123456", "administrator", "welcome123", "qwerty12345", "qwe123456789", "zxcvbnm123",
    "asdfghjkl1", "1234qwerasdf", "changeme123", "letmein1234", "shenqiu2026", "shenqiu123", "gonghui123",
    "gonghui2026", "zhangwei123", "wangwei123", "88888888888", "66666666666", "5201314520",
})


class PasswordRejected(ValueError):
    """The password breaks the policy; ``messages`` says how, in the reader's language."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Why ``password`` is not acceptable for ``username`` (empty when it is)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("The password must have at least %(count)d characters.", count=MIN_LENGTH)))
    if password.isdigit():
        problems.append(str(_l("The password must not be digits only.")))
    lowered = password.strip().lower()
    if username and lowered == username.strip().lower():
        problems.append(str(_l("The password must not be the username.")))
    if lowered in COMMON_PASSWORDS:
        problems.append(str(_l("This password is among the most common ones; choose another.")))
    return problems


def check_password_policy(password: str, username: str | None = None) -> None:
    """Raise ``PasswordRejected`` when the password breaks the policy."""
    problems = password_problems(password, username)
    if problems:
        raise PasswordRejected(problems)
