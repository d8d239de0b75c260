"""The one base of every refusal whose message is for people.

Services, the workflow and the API raise a ``UserError`` (or a subclass) when they refuse: bad input,
a rule that says no, a race lost to someone else. The unit of work rolls back whatever the request had
done, and one handler (``workflow_app/web.py``) answers: a page flashes the message and goes back where
the form came from, the JSON API answers ``{"error": code, "message": …}`` with ``status``. So no view
needs a try/flash ladder of its own, and every entry point words the same refusal the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class UserError(Exception):
    """A refusal for people: ``message`` (often a lazy translation) in their language, ``code`` for
    programs, ``status`` for the HTTP answer, ``category`` for the flashed message's look, ``back`` for
    the page to return to (else the page the form was on)."""

    status = 422
    code = "refused"
    category = "danger"

    def __init__(self, message: Any = None, *, code: str | None = None, status: int | None = None,
                 category: str | None = None, back: str | None = None,
                 explain: Callable[[], Any] | None = None):
        self._message = message
        self._explain = explain  # worded only when asked: e.g. after the rollback, reading who was first
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if category is not None:
            self.category = category
        self.back = back
        super().__init__(code or self.code)

    @property
    def message(self) -> Any:
        if self._message is None and self._explain is not None:
            self._message = self._explain()
        return self._message

    def __str__(self) -> str:
        return str(self.message) if self.message is not None else self.code


class Conflict(UserError):
    """Someone else changed the row first (HTTP 409): the message says who, when it can."""

    status = 409
    code = "conflict"
    category = "warning"
