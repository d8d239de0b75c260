"""Test fixtures: a migrated database per test (SQLite by default, PostgreSQL when
TEST_PG_ADMIN_URL is set), the app, its test client and a small org tree.

CI sets WORKFLOW_REQUIRE_PG=1 and WORKFLOW_REQUIRE_BROWSER=1: a test that would skip for
want of PostgreSQL or Chromium fails instead."""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import psycopg
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import event, text

from tests import factories
from workflow_app.app import create_app
from workflow_app.campaigns.models import HonorType
from workflow_app.extensions import db
from workflow_app.stats.models import StatisticsTarget

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL")

# Hypothesis: the default "ci" profile is small and derandomized, so every run (CI's, a developer's)
# tries the same examples and a failure reproduces; HYPOTHESIS_PROFILE=explore searches longer, at random,
# and keeps what it found in .hypothesis/ to replay it (WORKFLOW_FUZZ_EXAMPLES sets how many per route).
settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True, database=None,
                          print_blob=True)
settings.register_profile("explore", max_examples=int(os.environ.get("WORKFLOW_FUZZ_EXAMPLES", "200")),
                          deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def run_together(threads, timeout: float = 30) -> None:
    """Start racing threads, then wait for all of them (a stuck one shows up as a missing result)."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


@contextmanager
def count_queries():
    """The SQL statements run inside the block (to prove a page's cost does not grow with its rows)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def require(what: str, env: str, reason: str):
    """Skip with ``reason`` on a developer machine; fail in CI, where ``env`` is set."""
    if os.environ.get(env) == "1":
        pytest.fail(f"{what} is required here ({env}=1): {reason}")
    pytest.skip(reason)


class IsolatedClient(FlaskClient):
    """Each request runs in an app context of its own, as in production: its own ``g``
    (logged-in user, locale) and its own database session. The test body keeps its own."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _app(database_url: str, instance, **overrides) -> object:
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "STORAGE_ROOT": str(instance),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "REDIS_URL": "",  # jobs run inline; tests/test_jobs_redis.py brings its own queue
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    })
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Run the real migrations once; each test then gets a fresh copy (SQLite) or
    emptied tables (PostgreSQL)."""
    instance = tmp_path_factory.mktemp("migrate")
    if PG_ADMIN_URL:
        name = f"workflow_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        app = _app(url, instance)
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                for table in SEEDED_TABLES:
                    _SEEDED[table.name] = [dict(row) for row in conn.execute(table.select()).mappings()]
            db.engine.dispose()
        yield SimpleNamespace(kind="postgresql", url=url, template=None)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        template = instance / "template.db"
        app = _app(f"sqlite:///{template}", instance)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield SimpleNamespace(kind="sqlite", url=None, template=template)


# Rows the migrations seed (honor types, the plan's targets); tests may edit them,
# so each test gets them back.
_SEEDED: dict[str, list[dict]] = {}
SEEDED_TABLES = (HonorType.__table__, StatisticsTarget.__table__)


def _empty_postgres(app) -> None:
    """Back to the freshly migrated state: no rows but the seeded ones (tests may edit them)."""
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for table in SEEDED_TABLES:
                if _SEEDED[table.name]:
                    conn.execute(table.insert(), _SEEDED[table.name])


def module_app(migrated_database, tmp_path_factory, name: str):
    """An app on a database of its own for a module-scoped fixture: a copy of the migrated SQLite file, or
    the emptied PostgreSQL database."""
    instance = tmp_path_factory.mktemp(name)
    if migrated_database.kind == "sqlite":
        shutil.copy(migrated_database.template, instance / "test.db")
        return _app(f"sqlite:///{instance / 'test.db'}", instance)
    application = _app(migrated_database.url, instance)
    _empty_postgres(application)
    return application


@pytest.fixture
def app(migrated_database, tmp_path):
    if migrated_database.kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(migrated_database.template, path)
        application = _app(f"sqlite:///{path}", tmp_path)
    else:
        application = _app(migrated_database.url, tmp_path)
        _empty_postgres(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """A county with two townships, a branch in each, a county-direct unit, and one
    user per role and unit; plus an open campaign offering every honor."""
    return factories.build_world()


def login(client, username: str, password: str = factories.PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(client):
    def do(username: str):
        client.post("/logout")
        return login(client, username)

    return do
