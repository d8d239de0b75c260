"""Helpers for the browser tests: the app served on a loopback port, headless Chromium,
and a place for screenshots. Kept apart from the tests so the journey reads as a story."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import force_locale
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import require

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # running_site skips (or fails in CI) with the reason
    expect = sync_playwright = None

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("WORKFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def artifacts_dir() -> Path:
    """Where screenshots go: $WORKFLOW_ARTIFACTS, else test-artifacts/screenshots (git-ignored)."""
    folder = Path(os.environ.get("WORKFLOW_ARTIFACTS") or PROJECT_ROOT / "test-artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def require_chromium() -> str:
    """The Chromium binary, or a skip (a failure where WORKFLOW_REQUIRE_BROWSER=1)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        require("Chromium", "WORKFLOW_REQUIRE_BROWSER", f"no Chromium at {CHROMIUM}; browser tests skipped")
    return CHROMIUM


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` from a background thread on a free loopback port; yields the base URL.

    Each request pushes its own app context, so the thread shares only the database with the
    test. On exit the server stops, its socket is closed and the thread is joined."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def label(app: Flask, text) -> str:
    """What the Chinese UI shows for a (lazy) message: the translation once the catalog has
    one, the English msgid until then. Lets the test assert visible labels either way."""
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        return str(text)


def exactly(text: str) -> re.Pattern:
    """A pattern matching ``text`` as the whole (trimmed) text of an element."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


@contextmanager
def running_site(app: Flask, world, migrated_database, **extra) -> Iterator[SimpleNamespace]:
    """The app served over HTTP with CSRF on (as in production) and a headless Chromium;
    skips (or fails in CI) without Chromium or Playwright. ``extra`` rides along on the site."""
    chromium = require_chromium()
    if migrated_database.kind != "sqlite":
        pytest.skip("the browser tests run on SQLite only (the PostgreSQL pass covers the rest)")
    if sync_playwright is None:
        require("Playwright", "WORKFLOW_REQUIRE_BROWSER", "the playwright package is not installed")
    app.config["WTF_CSRF_ENABLED"] = True  # the real browser posts the real tokens
    with live_server(app) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield SimpleNamespace(url=base_url, browser=browser, app=app, world=world, **extra)
        finally:
            browser.close()


@contextmanager
def signed_in(site, username: str, password: str, failure_prefix: str = "") -> Iterator:
    """A fresh browser (own cookies) for one person, logged in through the login form; a
    screenshot named FAILED-… is kept when the block fails."""
    context = site.browser.new_context(base_url=site.url, viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/login"))
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("#main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/todo/$"))
        yield page
    except BaseException:
        if not page.is_closed():
            page.screenshot(path=artifacts_dir() / f"FAILED-{failure_prefix}{username}.png", full_page=True)
        raise
    finally:
        context.close()
