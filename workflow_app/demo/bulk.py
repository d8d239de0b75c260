"""Bulk inserts for large data sets: ``COPY`` on PostgreSQL, Core ``executemany`` elsewhere.

Rows carry their ids (so children can point at parents without a round trip); afterwards
``reset_sequences`` moves PostgreSQL's id sequences past them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, func, select, text

CHUNK = 20_000


def _plain(value):
    """What COPY gets: naive UTC for aware datetimes (as ``UTCDateTime`` stores them)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


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
