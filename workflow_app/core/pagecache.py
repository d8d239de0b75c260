"""Public pages answered cheaply: rendered HTML kept in the worker's memory, keyed by everything it shows, with
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
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workflow_app.core.i18n import select_locale

CSRF_MARKER = "csrf-token-of-this-visitor-4f1c9a"
MAX_PAGES = 2048


class PageCache:
    """A bounded LRU map from keys to rendered HTML, safe for threaded workers."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html

    def put(self, key: Hashable, html) -> None:
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


@dataclass(frozen=True, slots=True)
class KeptPage:
    html: str
    etag: str  # from the same key, the deployed templates' fingerprint, and the locale and address in it


def _tagged(response: Response, tag: str) -> Response:
    headers = response.headers
    headers["ETag"] = f'"{tag}"'  # hex digits: nothing to quote
    headers["Cache-Control"] = "no-cache"  # keep it, but ask every time: a revocation shows at once
    return response


def render_cached(key: tuple, template: str, **context) -> Response | str:
    """``render_template(template, **context)``, from the cache when ``key`` (the page's content) was
    rendered before in this locale at this address — with its ETag, computed once when the page was
    rendered: a browser that sends it back (``If-None-Match``) gets a 304 without a render or a body."""
    if not cacheable():
        return render_template(template, **context)
    full_key = (template, select_locale(), request.full_path, *key)
    kept = pages.get(full_key)
    if kept is None:
        html = render_template(template, csrf_token=_marker, **context)
        digest = hashlib.blake2b(repr((full_key, _fingerprint(current_app))).encode(), digest_size=16)
        kept = KeptPage(html, digest.hexdigest())
        pages.put(full_key, kept)
    if request.environ.get("HTTP_IF_NONE_MATCH") and kept.etag in request.if_none_match:
        return _tagged(Response(status=304), kept.etag)
    return _tagged(Response(_with_csrf(kept.html), mimetype="text/html"), kept.etag)


def _marker() -> str:
    return CSRF_MARKER


def _with_csrf(html: str) -> str:
    return html.replace(CSRF_MARKER, generate_csrf()) if CSRF_MARKER in html else html
