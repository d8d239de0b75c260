"""Public pages answered cheaply: rendered HTML kept in the worker's memory, keyed by everything it shows, and
an ETag from the same key, so a browser that has the page already gets a 304 without a render.

A page is cached only when its HTML is a pure function of its key: the caller puts in the key every
value the page prints (read from the database on this request, so a change shows at once — there is
nothing to invalidate), plus the locale and the address. What differs per visitor is left out:
pages are cached for anonymous visitors only (no user menu, no counts), never while a flashed message
waits, and any CSRF token on the page is rendered as a marker that each response replaces with this
visitor's own token (a public page without a form has none, and sets no cookie).

Per process (each gunicorn worker has its own), bounded, least recently used out first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path

from flask import Response, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workflow_app.core.i18n import select_locale

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


def _fingerprint(app) -> str:
    """The templates and static files as deployed (a new release changes every tag), once per app."""
    found = app.extensions.get("page_fingerprint")
    if found is None:
        digest = hashlib.sha256()
        for folder in (Path(app.template_folder), Path(app.static_folder)):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(path.as_posix().encode() + path.read_bytes())
        found = app.extensions["page_fingerprint"] = digest.hexdigest()[:16]
    return found


def etag_of(key: tuple) -> str:
    """The tag of the page whose content is ``key`` (as ``render_cached``'s), in this locale."""
    raw = repr((request.path, request.query_string, select_locale(), _fingerprint(current_app), key))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def not_modified(key: tuple) -> Response | None:
    """A 304 when an anonymous visitor's browser already holds this very page; None to render it."""
    if not cacheable():
        return None
    tag = etag_of(key)
    if tag in request.if_none_match:
        return _tagged(Response(status=304), tag)
    g.page_etag = tag
    return None


def _tagged(response: Response, tag: str) -> Response:
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"  # keep it, but ask every time: a revocation shows at once
    return response


def tag_response(response: Response) -> Response:
    """after_request: the ETag of a page ``not_modified`` let through."""
    tag = g.get("page_etag")
    if tag is not None and response.status_code == 200:
        _tagged(response, tag)
    return response


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
