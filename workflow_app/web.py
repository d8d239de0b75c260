"""Request plumbing shared by every area: locale, user loading, template helpers, errors."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, has_request_context, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from states.nomination import EVENT_LABELS, STATE_LABELS
from workflow_app.auth.models import User
from workflow_app.core.errors import UserError
from workflow_app.core.formats import day_text, moment_text, number_text, percent_text
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.extensions import db, login_manager
from workflow_app.nominations.fields import FIELD_LABELS, LEVEL_LABELS, ROLE_LABELS, choice_label

LOCALES = {"zh_Hans_CN": "简体中文", "en": "English"}


def select_locale() -> str:
    """The user's saved choice, else the session's, else Chinese (also outside requests)."""
    if not has_request_context():
        return "zh_Hans_CN"
    if request.path.startswith("/api/"):
        # API clients carry no session: the Accept-Language header decides, Chinese by default.
        return "en" if request.accept_languages.best_match(["zh", "en"], default="zh") == "en" else "zh_Hans_CN"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "zh_Hans_CN"


def select_timezone() -> str:
    return "Asia/Shanghai"


# Ids are 32-bit integer columns; a larger number in a URL names nothing (and would make the
# database driver raise, a 500 instead of a 404).
MAX_ID = 2**31 - 1


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session names ``id.session_version``; a session from before a password change names an
    old version and loads nobody."""
    ident, _, version = user_id.partition(".")
    if not ident.isdigit() or not version.isdigit() or not 0 < int(ident) <= MAX_ID:
        return None
    # The roles come in the same statement (every page reads them: menu, lists, access checks).
    user = db.session.get(User, int(ident), options=[joinedload(User.roles)])
    return user if user is not None and user.session_version == int(version) else None


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


def return_path() -> str | None:
    """Where to come back to after logging in: the page asked for, or, for a form sent after the session
    expired (a POST nobody can replay by a redirect), the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.removesuffix("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def refuse_unnamed_fields() -> None:
    """A multipart field whose name cannot be parsed (e.g. a line break) arrives with no name at all; the CSRF
    check then fails with an AttributeError, a 500. No browser sends one: the request is refused (400)."""
    if request.method == "POST" and request.mimetype == "multipart/form-data" and (
            None in request.form or None in request.files):
        abort(400)


def _unauthorized():
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for("auth.login", next=return_path()))


def todo_count() -> int:
    """The header's to-do badge: one COUNT, unless the to-do page already counted the same list."""
    from workflow_app.nominations.models import Nomination
    from workflow_app.policy import todo_filter

    if not current_user.is_authenticated:
        return 0
    known = g.get("todo_count")
    if known is not None:
        return known
    return db.session.scalar(select(func.count()).select_from(Nomination).where(todo_filter(current_user))) or 0


def remember_todo_count(total: int) -> None:
    """The unfiltered to-do list's total, for the header badge of the same request."""
    g.todo_count = total


def translated(labels: dict) -> Callable[[str], str]:
    """A template filter naming a code by its label, translated once per locale and then looked up: lists
    print a state, event or role on every row (and the state menu all of them), and each lazy label
    resolved on its own costs a catalog lookup through the request context."""
    by_locale: dict = {}

    def label(code: str) -> str:
        locale = get_locale()
        table = by_locale.get(locale)
        if table is None:
            table = by_locale[locale] = {key: str(value) for key, value in labels.items()}
        return table.get(code, code)

    return label


# The state badge's label, per locale: the template filter and the table rows (nominations/rows.py) share it.
state_label = translated(STATE_LABELS)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(_unauthorized)

    app.jinja_env.filters.update(
        china_time=moment_text,  # a stored moment, in China time and the user's format
        day=day_text,
        number=number_text,
        percent=percent_text,
        mask_id=mask_id_number,
        mask_phone=mask_phone,
        state_label=state_label,
        event_label=translated(EVENT_LABELS),
        role_label=translated(ROLE_LABELS),
        level_label=translated(LEVEL_LABELS),
        choice=lambda value, field: choice_label(field, value),
    )
    app.jinja_env.globals.update(LOCALES=LOCALES, FIELD_LABELS=FIELD_LABELS, todo_count=todo_count,
                                 current_locale=select_locale)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'",
        )
        return response

    def error_page(code: int, title, message):
        def handler(error):
            from workflow_app.api.errors import http_error, is_api_request

            if code == 500:  # whatever failed, the page below must not see (or commit) half of it
                db.session.rollback()
            if is_api_request():  # the JSON API answers in JSON, even before routing found it
                return http_error(error)
            detail = getattr(error, "description", None) if code in (400, 403, 404) else None
            if isinstance(error, CSRFError):
                detail = _l("The form expired or was sent twice. Please reload the page and try again.")
            return render_template("errors.html", code=code, title=title, message=detail or message), code

        return handler

    handlers = {
        400: (_l("Bad request"), _l("The request could not be understood.")),
        403: (_l("Not allowed"), _l("You may not see or do this.")),
        404: (_l("Not found"), _l("There is nothing at this address.")),
        413: (_l("File too large"), _l("The upload is larger than allowed.")),
        429: (_l("Too many attempts"), _l("Too many attempts. Please wait a minute and try again.")),
        500: (_l("Something went wrong"), _l("The server failed; nothing was changed. Please try again.")),
    }
    for code, (title, message) in handlers.items():
        app.register_error_handler(code, error_page(code, title, message))
    app.register_error_handler(CSRFError, error_page(400, handlers[400][0], handlers[400][1]))
    app.register_error_handler(UserError, refused)


def back_to_form() -> str:
    """The page a refused form was sent from (same site only), else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("auth.index")


def refused(error: UserError):
    """The one answer to a refusal (the unit of work has already rolled back): JSON under /api/, else the
    message flashed on the page the form came from."""
    from workflow_app.api.errors import is_api_request, json_error

    if is_api_request():
        return json_error(error.status, error.code, error.message)
    flash(str(error.message), error.category)
    return redirect(error.back or back_to_form())
