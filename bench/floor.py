"""The bare-Flask floor: one route, one indexed lookup, nothing else (no login, no templates, no
extensions). The benchmarks measure the app's pages against it in the same run.

    gunicorn -w 2 'bench.floor:create_floor_app()'     (the database from FLOOR_DATABASE_URL)
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text


def create_floor_app(database_url: str | None = None) -> Flask:
    """``GET /floor/<id>``: the name of org unit ``id`` (primary key lookup) as plain text."""
    url = database_url or os.environ["FLOOR_DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)  # pooled: one connection kept per worker, as the app's own engine does
    app = Flask(__name__)
    query = text("SELECT name FROM org_unit WHERE id = :id")

    @app.route("/floor/<int:unit_id>")
    def floor(unit_id: int):
        with engine.connect() as conn:
            name = conn.execute(query, {"id": unit_id}).scalar()
        return (name or "", 200 if name else 404, {"Content-Type": "text/plain; charset=utf-8"})

    app.extensions["floor_engine"] = engine
    return app
