"""Named failure points: the places where a crash would hurt most, which a test can arm.

The code that changes state says ``reached("certificate.pdf_written")`` at each of them. Unarmed, that
is one look-up in an empty dict. A test arms a point (``with armed("transition.before_audit"): ...``)
to make the next pass through it raise ``InjectedFault``, then checks that the database, the audit log,
the files and the notifications are still consistent and that trying again works
(tests/test_crash_safety.py). Production never arms anything: nothing here reads the configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# In the order they are passed; docs/security.md says what each one proves.
POINTS = {
    "transition.guards_passed": "every guard said yes; nothing has changed yet",
    "transition.state_changed": "the row's state is the new one (in memory); effects not run",
    "transition.before_audit": "effects ran (a certificate was numbered and stored); no audit row yet",
    "transition.audit_written": "the audit row is added; nothing flushed",
    "transition.before_commit": "everything is flushed; the commit is next",
    "transition.committed": "committed; notifications not yet written",
    "notification.email": "notification rows committed; the e-mail is being sent",
    "certificate.number_allocated": "the certificate took its number; nothing stored",
    "certificate.pdf_writing": "part of the certificate's PDF is on disk under a temporary name",
    "certificate.pdf_written": "the PDF is complete under its final name; the database has not committed",
}


class InjectedFault(RuntimeError):
    """The failure a test asked for; never raised unless a test armed the point."""

    def __init__(self, point: str):
        super().__init__(f"injected failure at {point}")
        self.point = point


_armed: dict[str, Callable[[], None] | None] = {}
_lock = threading.Lock()


def reached(point: str) -> None:
    """Mark a failure point; raises InjectedFault once if a test armed it."""
    if not _armed:
        return
    with _lock:
        if point not in _armed:
            return
        before = _armed.pop(point)
    if before is not None:
        before()  # lets a test look at the world exactly as it is at the failure
    raise InjectedFault(point)


@contextmanager
def armed(point: str, before: Callable[[], None] | None = None) -> Iterator[None]:
    """Make the next pass through ``point`` fail (after calling ``before``); disarmed on leaving."""
    if point not in POINTS:
        raise KeyError(f"unknown failure point {point!r}; known: {', '.join(POINTS)}")
    with _lock:
        _armed[point] = before
    try:
        yield
    finally:
        with _lock:
            _armed.pop(point, None)


def fired(point: str) -> bool:
    """Whether an armed point has been passed (and so has failed)."""
    with _lock:
        return point not in _armed
