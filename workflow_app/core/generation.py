"""The data's generation: one row that every committed write changes, in the writing transaction.

Pages kept in memory (``workflow_app.pagecache``) are keyed by it, so a kept page is served only while
nothing at all has changed since it was rendered: no per-page invalidation to forget, and every app
server sees the same value in the shared database.

How a write changes it: session events note any flush with rows in it and any DML statement run through
the session; just before such a transaction commits, one ``UPDATE`` sets a new random value. Random, not
a counter: a database restored from a backup, or a copy, can never repeat a value another history had.
The update is the transaction's last statement, so the row lock is held only for the commit itself and
cannot join a deadlock (nothing waits for another lock while holding it).

Writes that bypass the ORM session (``seed-scale``'s bulk loads) call ``bump`` themselves. A restore
needs none: it brings back the value saved with the very rows it restores.
"""

from __future__ import annotations

import secrets

from flask import g, has_request_context
from sqlalchemy import BigInteger, Integer, event, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import TextClause

from workflow_app.core.sql import plain_connection
from workflow_app.extensions import db

ROW_ID = 1
CHANGED = "data_changed"  # the session.info flag: this transaction wrote something
# Tables no kept page prints, written often for their own sake (a batch job's progress, every log-in, an
# API token's last use): writing only these keeps the generation. A kept page that starts printing one of
# them must take it out of this set.
UNSHOWN_TABLES = frozenset({"job", "auth_event", "export_log", "api_token"})


class DataGeneration(db.Model):
    """One row (id 1); its value changes with every committed write."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


_READ = text("SELECT value FROM data_generation WHERE id = 1")
_BUMP = update(DataGeneration.__table__).where(DataGeneration.__table__.c.id == ROW_ID)


def new_value() -> int:
    return secrets.randbits(62)


def current() -> int | None:
    """The generation as this request's session sees it (read once per request), or None when the row
    is missing (then nothing is cached). Read first, before the user and the page's rows: everything read
    after it is at least this new, so a page is never kept under a generation newer than its content."""
    if has_request_context() and "data_generation" in g:
        return g.data_generation
    with plain_connection() as connection:  # a kept page needs no ORM session
        value = connection.execute(_READ).scalar()
    if has_request_context():
        g.data_generation = value
    return value


def bump(connection: Connection) -> None:
    """A new value, on ``connection``, in its transaction (for writes made outside the ORM session)."""
    connection.execute(_BUMP.values(value=new_value()))


# ---------------------------------------------------------------- the session events
def _shown(rows) -> bool:
    return any(getattr(row, "__tablename__", None) not in UNSHOWN_TABLES for row in rows)


def _note_flush(session: Session, _context) -> None:
    if _shown(session.new) or _shown(session.dirty) or _shown(session.deleted):
        session.info[CHANGED] = True


def _note_statement(state) -> None:
    """Bulk ``insert``/``update``/``delete`` and raw SQL that is not a query also count as writes."""
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        written = getattr(getattr(statement, "table", None), "name", None)
        if written not in UNSHOWN_TABLES:
            state.session.info[CHANGED] = True
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() != "SELECT":
        state.session.info[CHANGED] = True


def _bump_before_commit(session: Session) -> None:
    session.flush()  # the pending changes first: they set the flag, and the update is then the last statement
    if session.info.pop(CHANGED, False):
        session.connection().execute(_BUMP.values(value=new_value()))


def _forget(session: Session, *_args) -> None:
    session.info.pop(CHANGED, None)


def install(session_class: type[Session]) -> None:
    """Listen on the app's session class (once per process)."""
    if event.contains(session_class, "before_commit", _bump_before_commit):
        return
    event.listen(session_class, "after_flush", _note_flush)
    event.listen(session_class, "do_orm_execute", _note_statement)
    event.listen(session_class, "before_commit", _bump_before_commit)
    event.listen(session_class, "after_rollback", _forget)
    event.listen(session_class, "after_commit", _forget)
