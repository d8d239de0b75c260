"""Set-up stories: migrations match the models, the demo loads, the CLI works, config is safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from states.nomination import STATES, mermaid
from states.statistics_report import mermaid as statistics_mermaid
from workflow_app.auth.models import User
from workflow_app.config import ConfigError, load_config
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_produce_exactly_the_models_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_seed_demo_loads_every_state_once_and_again_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "chair" in first.output and "shenqiu2026" in first.output
    counts = dict(db.session.execute(select(Nomination.state, func.count()).group_by(Nomination.state)).all())
    assert set(counts) == set(STATES)
    audit_rows = db.session.scalar(select(func.count(AuditEntry.id)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_rows
    assert db.session.scalar(select(func.count(Nomination.id))) == sum(counts.values())


def test_demo_chair_can_log_in_and_sees_the_to_do(app, client, monkeypatch):
    # In demo mode (make run): outside it, demo users must first change the published password.
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    app.test_cli_runner().invoke(args=["seed-demo"])
    response = client.post("/login", data={"username": "chair", "password": "shenqiu2026"}, follow_redirects=True)
    assert response.status_code == 200
    assert "白玉华" in response.get_data(as_text=True)


def test_create_user_from_the_command_line(app, world):
    result = app.test_cli_runner().invoke(
        args=["create-user", "li", "--name", "李明", "--role", "reviewer:411624100", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "li"))
    assert user.check_password("long-enough-1")
    assert [(a.role, a.org_unit.code) for a in user.roles] == [("reviewer", "411624100")]
    bad = app.test_cli_runner().invoke(
        args=["create-user", "wang", "--name", "王", "--role", "reviewer:000", "--password", "long-enough-1"])
    assert bad.exit_code != 0 and "000" in bad.output


def test_the_app_refuses_a_missing_secret_outside_demo_mode(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("WORKFLOW_DEMO", raising=False)
    with pytest.raises(ConfigError):
        load_config()


@pytest.mark.parametrize("secret", [
    pytest.param("dev", id="a_tutorial_default"),
    pytest.param("test-secret-key", id="the_test_suites_key"),
    pytest.param("a" * 31, id="shorter_than_32_characters"),
])
def test_the_app_refuses_a_guessable_secret_outside_demo_mode(monkeypatch, secret):
    monkeypatch.setenv("SECRET_KEY", secret)
    monkeypatch.delenv("WORKFLOW_DEMO", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()


def test_a_long_random_secret_is_accepted_and_the_demo_may_use_a_short_one(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKFLOW_DEMO", raising=False)
    monkeypatch.setenv("SECRET_KEY", "9f" * 32)
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == "9f" * 32
    monkeypatch.setenv("SECRET_KEY", "dev")
    monkeypatch.setenv("WORKFLOW_DEMO", "1")
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == "dev"


def test_docs_show_the_current_workflow():
    assert mermaid() in (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert statistics_mermaid() in (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")


def test_behind_a_proxy_the_client_address_reaches_the_audit_log(app, world):
    from tests import factories
    from tests.conftest import IsolatedClient
    from workflow_app.app import create_app

    settings = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH",
                                           "UPLOAD_FOLDER")}
    proxied = create_app({**settings, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PROXY_HOPS": 1})
    proxied.test_client_class = IsolatedClient
    nomination = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    client = proxied.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7"}
    client.post("/login", data={"username": "chair1", "password": factories.PASSWORD}, headers=headers)
    client.post(f"/nominations/{nomination.id}/transition", data={"event": "submit", "version": nomination.version},
                headers=headers)
    with proxied.app_context():
        db.engine.dispose()  # its own pool: close it, or the connections outlive the test
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)).one()
    assert entry.client_ip == "203.0.113.7"
