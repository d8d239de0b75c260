"""Copying the database in and out: SQLite through its online backup API, PostgreSQL through
pg_dump / pg_restore (called with argument lists, never through a shell; the password goes in the
environment, not on the command line where ``ps`` would show it)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url

# Tables that say whether a database holds anyone's work (the migrations alone seed honor types).
CONTENT_TABLES = ("user_account", "org_unit", "nomination")


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


def counts(connection: Connection) -> dict[str, int]:
    """Rows per table, every table of the database (``alembic_version`` included)."""
    names = sorted(inspect(connection).get_table_names())
    return {name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names}


def revisions(connection: Connection) -> list[str]:
    if "alembic_version" not in inspect(connection).get_table_names():
        return []
    return sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def holds_content(engine: Engine) -> bool:
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        return any(connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                   for name in CONTENT_TABLES if name in tables)


# ---------------------------------------------------------------- SQLite
def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("the database is in memory: nothing to back up or restore into")
    return Path(database)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy even while the app writes (sqlite3's online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def sqlite_snapshot(engine: Engine, out: Path) -> tuple[dict[str, int], list[str]]:
    """Copy the database to ``out``; counts and revision are read from the copy itself."""
    copy_sqlite(sqlite_path(engine), out)
    copy = create_engine(f"sqlite:///{out}")
    try:
        with copy.connect() as connection:
            return counts(connection), revisions(connection)
    finally:
        copy.dispose()


# ---------------------------------------------------------------- PostgreSQL
def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools (Debian: "
                          f"apt-get install postgresql-client, the server's major version or newer)")
    return found


def _connection_arguments(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """libpq options as arguments, and the password as PGPASSWORD in the child's environment."""
    url = make_url(engine.url)
    arguments = []
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    if url.query.get("sslmode"):
        environment["PGSSLMODE"] = str(url.query["sslmode"])
    arguments += ["--dbname", url.database or ""]
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


@contextmanager
def _exported_snapshot(engine: Engine) -> Iterator[tuple[str, Connection]]:
    """A REPEATABLE READ transaction whose snapshot pg_dump shares: the counts in the manifest are
    those of the dump, whatever the app writes meanwhile."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            yield snapshot, connection


def postgres_snapshot(engine: Engine, out: Path) -> tuple[dict[str, int], list[str]]:
    pg_dump = _tool("pg_dump")
    arguments, environment = _connection_arguments(engine)
    with _exported_snapshot(engine) as (snapshot, connection):
        _run([pg_dump, "--format=custom", "--snapshot", snapshot, "--file", str(out), *arguments], environment)
        return counts(connection), revisions(connection)


# A restore must not wait forever behind a running app's open transactions: stop the app first.
RESTORE_LOCK_TIMEOUT = "30s"


def postgres_restore(engine: Engine, dump: Path) -> None:
    """Replace what the dump holds (``--clean``), in one transaction: a failure changes nothing."""
    pg_restore = _tool("pg_restore")
    arguments, environment = _connection_arguments(engine)
    environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} -c lock_timeout={RESTORE_LOCK_TIMEOUT}".strip()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", *arguments, str(dump)], environment)
