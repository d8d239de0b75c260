"""Bulk inserts for large data sets: ``COPY`` on PostgreSQL, the driver's ``executemany`` on SQLite (values
converted once per column type, as SQLAlchemy would store them), Core ``executemany`` elsewhere.

Rows carry their ids (so children can point at parents without a round trip); afterwards
``reset_sequences`` moves PostgreSQL's id sequences past them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Connection, Date, DateTime, Table, func, select, text

CHUNK = 20_000


def _plain(value):
    """What COPY gets: naive UTC for aware datetimes (as ``UTCDateTime`` stores them)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _sqlite_converter(column_type):
    """How SQLAlchemy's SQLite dialect stores a value of this type (None: as it is)."""
    kind = getattr(column_type, "impl", column_type)  # UTCDateTime is a DateTime underneath
    if isinstance(kind, DateTime):
        return lambda value: None if value is None else _plain(value).isoformat(sep=" ", timespec="microseconds")
    if isinstance(kind, Date):
        return lambda value: None if value is None else date.isoformat(value)
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(value)
    return None


def insert_rows(conn: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table``; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_plain(row[name]) for name in columns])
        return len(rows)
    if conn.dialect.name == "sqlite":
        columns = list(rows[0])
        converters = [_sqlite_converter(table.c[name].type) for name in columns]
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = conn.connection.driver_connection.cursor()  # the same connection: the same transaction
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})',
                           ([convert(row[name]) if convert else row[name] for name, convert in
                             zip(columns, converters, strict=True)] for row in rows))
        return len(rows)
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])
    return len(rows)


def next_id(conn: Connection, table: Table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: continue every id sequence after the ids inserted explicitly."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table.name}\"), false)"))
