"""Small request helpers every area's routes share: ids from URLs and query strings, 404 for what
an id does not name, and the page a form was sent from."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, g, request

from workflow_app.extensions import db

# Ids are 32-bit integer columns; a larger number in a URL names nothing (and would make the
# database driver raise, a 500 instead of a 404).
MAX_ID = 2**31 - 1


def get_or_404(model, ident: int, options: list | None = None):
    row = db.session.get(model, ident, options=options) if 0 < ident <= MAX_ID else None
    if row is None:
        abort(404)
    return row


def parse_id(value: str | None) -> int | None:
    """A positive id from a query string, or None: ASCII digits only, within the column's range."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None  # also before int(): Python refuses to convert more than 4,300 digits
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def same_site_referrer() -> str | None:
    """The page this request came from, when it is one of this site's (path and query only)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def refusals_go_to(url: str) -> None:
    """Where the refusal handler sends the person back to, when this request is refused (a UserError)."""
    g.refusal_back = url


def refusal_back() -> str | None:
    return g.get("refusal_back")
