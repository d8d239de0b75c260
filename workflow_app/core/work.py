"""One unit of work per request, CLI command and job: it commits once, here, and nowhere else.

After Indico's request handler: a view loads what its URL names (404), checks access (403) and acts;
services and the workflow machine only flush. ``install`` wraps every view so that, when it returns,

- a write request (POST …) whose answer is not an error commits once, then runs the after-commit queue;
- a write request answered with an error (4xx, 5xx) or that raised rolls back everything it did;
- a GET (HEAD, OPTIONS) commits only declared bookkeeping (``bookkeeping()``: an API token's last use, the
  login log); any other write is rolled back and logged as an error, so a page view never changes the
  workflow's data.

CLI commands and jobs use the same unit (``unit()`` / ``transactional``); a command that handles many rows
each on their own (closing due notices, bulk review) runs one unit per row.

What must leave the process only once the data are safe — mail handed to the queue, a file removed —
waits on ``after_commit``; files the work wrote (``remove_unless_committed``) are removed again when the
transaction does not commit, whatever made it fail.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from workflow_app.extensions import db

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_QUEUE = "work.after_commit"  # callables waiting for this transaction's commit
_READY = "work.committed"  # callables whose transaction committed, to run now
_FILES = "work.files"  # files to remove unless this transaction commits
_WRITTEN = "work.written"  # tables this transaction wrote (flushes and DML statements)
_BOOKKEPT = "work.bookkept"  # of those, the ones written as declared bookkeeping
_IN_BOOKKEEPING = "work.in_bookkeeping"


# ---------------------------------------------------------------- what a unit collects
def after_commit(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the current transaction has committed (never if it rolls
    back). It runs outside that transaction: anything it writes is a unit of its own."""
    db.session.info.setdefault(_QUEUE, []).append(functools.partial(func, *args, **kwargs))


def remove_unless_committed(*paths: Path) -> None:
    """Files the work just wrote: removed again if the transaction does not commit."""
    db.session.info.setdefault(_FILES, []).extend(paths)


@contextmanager
def bookkeeping() -> Iterator[None]:
    """Writes a GET may make: the tables written inside are bookkeeping, not the workflow's data."""
    info = db.session.info
    outer = info.get(_IN_BOOKKEEPING, False)
    info[_IN_BOOKKEEPING] = True
    try:
        yield
        db.session.flush()
    finally:
        info[_IN_BOOKKEEPING] = outer


def written_tables() -> set[str]:
    """Tables the current transaction has written so far (flushed rows and DML statements)."""
    return set(db.session.info.get(_WRITTEN, ()))


def unexpected_writes() -> set[str]:
    """Tables written outside declared bookkeeping, plus tables with changes not yet flushed."""
    session = db.session
    pending = {_table_of(obj) for obj in (*session.new, *session.deleted)}
    pending |= {_table_of(obj) for obj in session.dirty if session.is_modified(obj, include_collections=False)}
    return (written_tables() - set(session.info.get(_BOOKKEPT, ()))) | pending


# ---------------------------------------------------------------- the one commit
def commit() -> None:
    """Commit the unit, then run what waited for it. A failure of the after-commit work is logged,
    never raised: what committed has happened, and the person must be told so."""
    db.session.commit()
    run_after_commit()


def rollback() -> None:
    """Undo the unit: rows, and the files it wrote (also when it had not yet begun a transaction)."""
    db.session.rollback()
    _discard(db.session.info)


def run_after_commit() -> None:
    ready = db.session.info.pop(_READY, [])
    for func in ready:
        try:
            func()
        except Exception:
            db.session.rollback()
            log.exception("after-commit work %r failed", getattr(func, "func", func))


@contextmanager
def unit() -> Iterator[None]:
    """One unit of work for a CLI command, a job or one row of a batch: commit on success, else roll
    back and let the error through. It commits the session's transaction: inside a request, start it before
    the request writes anything of its own (bulk review and issuing do)."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def transactional(func: Callable) -> Callable:
    """A CLI command (or job function) as one unit of work."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with unit():
            return func(*args, **kwargs)

    return run


# ---------------------------------------------------------------- requests
def finish_request(status: int) -> None:
    """End the request's unit: commit, roll back, or refuse a GET's writes (see the module's docstring)."""
    if not db.session.registry.has():
        return  # the request never opened a session (a public page reads a plain connection): nothing to do
    if request.method in SAFE_METHODS:
        unexpected = unexpected_writes()
        if unexpected:
            current_app.logger.error("%s %s wrote %s outside bookkeeping: rolled back", request.method,
                                     request.path, ", ".join(sorted(unexpected)))
            rollback()
        elif written_tables():
            commit()
        return
    if status < 400:
        commit()
    else:
        rollback()


def _as_unit(view: Callable) -> Callable:
    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            response = view(*args, **kwargs)
            if not isinstance(response, Response):
                response = current_app.make_response(response)
        except BaseException:
            rollback()
            raise
        try:
            finish_request(response.status_code)
        except BaseException:
            rollback()
            session.pop("_flashes", None)  # "done" was flashed, but nothing was done
            raise
        return response

    return run


def install(app: Flask) -> None:
    """Wrap every view registered so far, and listen to the app's sessions."""
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "_unit_of_work", False):
            wrapped = _as_unit(view)
            wrapped._unit_of_work = True  # type: ignore[attr-defined]
            app.view_functions[endpoint] = wrapped
    listen(db.session.session_factory.class_)


# ---------------------------------------------------------------- session events
def _table_of(obj: Any) -> str:
    return getattr(obj, "__tablename__", type(obj).__name__)


def _note(session: Session, tables: set[str]) -> None:
    if not tables:
        return
    session.info.setdefault(_WRITTEN, set()).update(tables)
    if session.info.get(_IN_BOOKKEEPING):
        session.info.setdefault(_BOOKKEPT, set()).update(tables)


def _note_flush(session: Session, _context) -> None:
    tables = {_table_of(obj) for obj in (*session.new, *session.deleted)}
    tables |= {_table_of(obj) for obj in session.dirty if session.is_modified(obj, include_collections=False)}
    _note(session, tables)


def _note_statement(state) -> None:
    """Bulk ``insert``/``update``/``delete`` and raw SQL that is not a query are writes too."""
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, {getattr(getattr(statement, "table", None), "name", "?")})
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() not in ("SELECT", "WITH R"):
        _note(state.session, {"(sql)"})


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint's release is not the commit
        return
    info = session.info
    info.pop(_FILES, None)  # kept for good
    info.setdefault(_READY, []).extend(info.pop(_QUEUE, []))
    _forget_writes(info)


def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    _discard(session.info)


def _discard(info: dict) -> None:
    for path in info.pop(_FILES, ()):  # the transaction ended without committing them
        path.unlink(missing_ok=True)
    info.pop(_QUEUE, None)
    _forget_writes(info)


def _forget_writes(info: dict) -> None:
    info.pop(_WRITTEN, None)
    info.pop(_BOOKKEPT, None)


def listen(session_class: type[Session]) -> None:
    """The events that collect a unit's writes, files and after-commit work (once per process)."""
    if event.contains(session_class, "after_commit", _committed):
        return
    event.listen(session_class, "after_flush", _note_flush)
    event.listen(session_class, "do_orm_execute", _note_statement)
    event.listen(session_class, "after_commit", _committed)
    event.listen(session_class, "after_transaction_end", _ended)
