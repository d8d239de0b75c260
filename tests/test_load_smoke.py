"""bench/load.py in miniature: gunicorn, a few virtual users for a few seconds, and the audit afterwards
finds a row for every action a client saw succeed. On this pass's database (SQLite, or PostgreSQL when the
suite runs there). The figures themselves are the benchmark's business (docs/performance.md)."""

from __future__ import annotations

import importlib.util
import json
import sys
from argparse import Namespace
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None,
                                reason="gunicorn is not installed (pip install -e '.[dev]')")


def test_a_short_mixed_load_loses_no_action_and_answers_no_5xx(tmp_path):
    figures_file = tmp_path / "load.json"
    args = ["--seed", "200", "--counties", "2", "--seed-users", "120", "--users", "6", "--seconds", "3",
            "--json", str(figures_file)]
    if PG_ADMIN_URL:
        args += ["--dialect", "postgresql", "--pg-admin-url", PG_ADMIN_URL]
    status = load.main(args)
    figures = json.loads(figures_file.read_text())
    assert figures["5xx"] == 0 and figures["errors"] == 0 and not figures["failures"]
    assert figures["lost"] == 0 and figures["phantom"] == 0
    assert sum(action["done"] for action in figures["actions"].values()) > 0, figures["actions"]
    assert figures["requests"]["to-do list"]["count"] > 0 and figures["requests"]["verification"]["count"] > 0
    assert status == 0


def test_the_audit_counts_a_success_without_its_row_as_lost(capsys):
    stats = load.Stats()
    stats.record("approve / return", 0.01, 302)
    stats.action("approve", True)
    stats.action("approve", True)
    stats.action("create", True)
    result = {"stats": stats, "rows": Counter(approve=1, create=2), "elapsed": 1.0, "failures": [],
              "users": {"reviewers": 1, "chairs": 1, "public": 0}}
    figures = load.report(result, Namespace(workers=3))
    assert figures["actions"]["approve"]["lost"] == 1 and figures["actions"]["create"]["phantom"] == 1
    assert figures["lost"] == 1 and figures["phantom"] == 1
    assert "lost actions: 1" in capsys.readouterr().out
