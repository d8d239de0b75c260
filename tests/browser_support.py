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

from flask import Flask
from flask_babel import force_locale
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import require

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
