"""A plain pooled connection for the hottest reads (a public page): no ORM session, no identity map, no
transaction bookkeeping, as cheap as the bare-Flask floor's own lookup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from workflow_app.extensions import db


@contextmanager
def plain_connection() -> Iterator[Connection]:
    bind = db.engine
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            yield connection
    else:  # a test harness that runs every session on one connection (tests/fuzzing.py)
        yield bind

