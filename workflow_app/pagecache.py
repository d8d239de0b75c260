"""Rendered pages kept in the worker's memory, keyed by everything they show.

A page is cached only when its HTML is a pure function of its key: the caller puts in the key every
value the page prints (read from the database on this request, so a change shows at once — there is
nothing to invalidate), plus the locale and the address. What differs per visitor is left out:
pages are cached for anonymous visitors only (no user menu, no counts), never while a flashed message
waits, and any CSRF token on the page is rendered as a marker that each response replaces with this
visitor's own token (a public page without a form has none, and sets no cookie).

Per process (each gunicorn worker has its own), bounded, least recently used out first.

Pages of a logged-in user (the to-do list) are kept by a second rule, since what they print comes from
too many rows to put in a key: they are keyed by the data's generation (``core/generation.py``, a value
every committed write changes) and kept per app. A kept page is answered by the very first hook of the
request, before the user is loaded, when everything the full path would check holds: the same signed
session names the same user and session version, from the same browser (Flask-Login's strong session
protection), the session is not idle and needs no new stamp, nothing is flashed, the generation is the
one the page was rendered at (so the user row, the roles and every row shown are unchanged), the China
day is the same (delegations) and no row has become overdue since. Anything else takes the full path,
which renders and keeps the page again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workflow_app.core import generation
from workflow_app.core.timeutil import china_today, utcnow
from workflow_app.extensions import login_manager
from workflow_app.web import select_locale

CSRF_MARKER = "csrf-token-of-this-visitor-4f1c9a"
MAX_PAGES = 2048


class PageCache:
    """A bounded LRU map from keys to rendered HTML, safe for threaded workers."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        with self._lock:
            self._pages[key] = html
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


pages = PageCache()


def cacheable() -> bool:
    """Anonymous and nothing flashed: the page then depends on its key alone."""
    return not current_user.is_authenticated and "_flashes" not in session


def render_cached(key: tuple, template: str, **context) -> str:
    """``render_template(template, **context)``, from the cache when ``key`` (the page's content) was
    rendered before in this locale at this address."""
    if not cacheable():
        return render_template(template, **context)
    full_key = (template, select_locale(), request.full_path, *key)
    html = pages.get(full_key)
    if html is None:
        html = render_template(template, csrf_token=_marker, **context)
        pages.put(full_key, html)
    return _with_csrf(html)


def _marker() -> str:
    return CSRF_MARKER


def _with_csrf(html: str) -> str:
    return html.replace(CSRF_MARKER, generate_csrf()) if CSRF_MARKER in html else html


# ---------------------------------------------------------------- pages of a logged-in user
# The endpoints whose views render through ``render_user_page``.
USER_PAGES = frozenset({"review.todo"})


@dataclass(frozen=True)
class KeptPage:
    html: str
    expires: datetime | None  # when the page would print differently with the same data (a row turns overdue)


def _user_pages() -> PageCache:
    extensions = current_app.extensions
    if "user_pages" not in extensions:
        extensions["user_pages"] = PageCache(current_app.config["PAGE_CACHE_SIZE"])
    return extensions["user_pages"]


def _user_page_key() -> tuple | None:
    """What a user page's HTML is a function of, or None when this request must take the full path."""
    from workflow_app.auth.blueprint import LAST_SEEN_RESOLUTION, seconds_away

    value = generation.current()
    user = session.get("_user_id")  # "id.session_version"
    if value is None or not user or "_flashes" in session:
        return None
    if session.get("_id") != login_manager._session_identifier_generator():
        return None  # another browser: the full path's session protection logs it out
    away = seconds_away(int(time.time()))
    if away is None or away >= LAST_SEEN_RESOLUTION:
        return None  # idle (the full path logs out) or due a new stamp (the full path sends a cookie)
    return (request.endpoint, user, session.get("locale"), request.full_path, value, china_today())


def serve_kept_page() -> Response | str | None:
    """The app's first ``before_request``: a kept user page, before anything loads the user."""
    if request.method != "GET" or request.endpoint not in USER_PAGES or not current_app.config["PAGE_CACHE"]:
        return None
    generation.current()  # read before the user row: a page is never kept under a newer generation
    key = _user_page_key()
    kept = _user_pages().get(key) if key is not None else None
    if kept is None or (kept.expires is not None and utcnow() >= kept.expires):
        return None
    return _with_csrf(kept.html)


def render_user_page(template: str, *, expires: datetime | None = None, **context) -> str:
    """``render_template`` for a page in ``USER_PAGES``, kept for the next request with the same key."""
    if not current_app.config["PAGE_CACHE"] or request.endpoint not in USER_PAGES:
        return render_template(template, **context)
    key = _user_page_key() if current_user.is_authenticated else None
    if key is None:
        return render_template(template, **context)
    html = render_template(template, csrf_token=_marker, **context)
    _user_pages().put(key, KeptPage(html, expires))
    return _with_csrf(html)
