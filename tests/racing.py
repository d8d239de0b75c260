"""Racing helpers for PostgreSQL: an app whose pool gives every racer a connection of its own,
logged-in test clients with real CSRF tokens, and requests released together by a barrier."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, text

from tests import factories
from tests.conftest import _app, require, run_together
from workflow_app.extensions import db


def require_postgres(migrated_database) -> None:
    if migrated_database.kind != "postgresql":
        require("PostgreSQL", "WORKFLOW_REQUIRE_PG",
                "races need real concurrent connections; run with TEST_PG_ADMIN_URL (make test does)")


@contextmanager
def racing_app(app: Flask, racers: int, *, csrf: bool = False, **config) -> Iterator[Flask]:
    """An app on the test's database whose pool holds a connection for each of ``racers`` at once
    (the default pool of 5 + 10 would make the 16th racer wait for the first, so they would not race)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            limit = int(conn.execute(text("SHOW max_connections")).scalar())
        if limit < racers + 10:
            pytest.fail(f"PostgreSQL allows {limit} connections; {racers} racers need {racers + 10} "
                        "(raise max_connections)")
    application = _app(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["INSTANCE_PATH"]),
                       WTF_CSRF_ENABLED=csrf, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": racers + 2, "max_overflow": 0},
                       **config)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def hidden_fields(html: str) -> dict[str, str]:
    """The page's hidden inputs (CSRF token, version, form key…), the first of each name."""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="hidden"' in tag and (name := re.search(r'name="([^"]+)"', tag)):
            value = re.search(r'value="([^"]*)"', tag)
            fields.setdefault(name.group(1), value.group(1) if value else "")
    return fields


def logged_in(application: Flask, username: str):
    """A client of its own, logged in through the real form (with its CSRF token when the app checks them)."""
    client = application.test_client()
    data = {"username": username, "password": factories.PASSWORD}
    if application.config["WTF_CSRF_ENABLED"]:
        data["csrf_token"] = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def twin_of(application: Flask, client):
    """A second client carrying the same session cookie: the browser sending one request twice."""
    twin = application.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    return twin


def together(requests: list[Callable[[], object]], timeout: float = 30) -> list:
    """Run each request in its own thread, all released at once; their results (or exceptions), in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index: int, request: Callable[[], object]) -> None:
        barrier.wait(timeout=timeout)
        try:
            results[index] = request()
        except Exception as error:  # reported by the caller's assertions
            results[index] = error

    run_together([threading.Thread(target=run, args=pair) for pair in enumerate(requests)], timeout)
    return results


@contextmanager
def reads_before_writes(application: Flask, parties: int, timeout: float = 10) -> Iterator[None]:
    """Hold each racing thread's first write (INSERT, UPDATE, DELETE) until every party has reached
    its own: all of them have read the rows as they were before anyone wrote. Without this, one
    request often finishes before the other starts reading, and the race is not run at all."""
    barrier = threading.Barrier(parties)
    wrote = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany):
        if getattr(wrote, "once", False) or not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        wrote.once = True
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            raise AssertionError("a racer never wrote: the race did not happen as the test meant") from None

    with application.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def flashes(client) -> list[tuple[str, str]]:
    """The (category, message) pairs waiting in the client's session, taken as the next page would take them."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))
