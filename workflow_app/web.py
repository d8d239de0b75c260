"""Request plumbing shared by every area: locale, user loading, template helpers, errors."""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from states.engine import COMMENT_MAX
from states.nomination import EVENT_LABELS
from workflow_app.api.errors import http_error, is_api_request, json_error
from workflow_app.auth.models import User
from workflow_app.core.errors import UserError
from workflow_app.core.formats import LOCALES, day_text, moment_text, number_text, percent_text, translated
from workflow_app.core.http import MAX_ID, refusal_back, same_site_referrer
from workflow_app.core.i18n import select_locale
from workflow_app.core.idnumber import mask_id_number, mask_phone
from workflow_app.extensions import db, login_manager
from workflow_app.nominations.fields import FIELD_LABELS, LEVEL_LABELS, ROLE_LABELS, choice_label
from workflow_app.nominations.rows import state_label

HTTP_TITLES = {400: _l("Bad request"), 403: _l("Not allowed"), 404: _l("Not found")}


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


def return_path() -> str | None:
    """Where to come back to after logging in: the page asked for, or, for a form sent after the session
    expired (a POST nobody can replay by a redirect), the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.removesuffix("?")
    return same_site_referrer()


def refuse_unnamed_fields() -> None:
    """A multipart field whose name cannot be parsed (e.g. a line break) arrives with no name at all; the CSRF
    check then fails with an AttributeError, a 500. No browser sends one: the request is refused (400)."""
    if request.method == "POST" and request.mimetype == "multipart/form-data" and (
            None in request.form or None in request.files):
        abort(400)


def _unauthorized():
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for("auth.login", next=return_path()))


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
        state_label=state_label,  # nominations/rows.py prints the same labels
        event_label=translated(EVENT_LABELS),
        role_label=translated(ROLE_LABELS),
        level_label=translated(LEVEL_LABELS),
        choice=lambda value, field: choice_label(field, value),
    )
    app.jinja_env.globals.update(LOCALES=LOCALES, FIELD_LABELS=FIELD_LABELS, comment_max=COMMENT_MAX,
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
        400: (HTTP_TITLES[400], _l("The request could not be understood.")),
        403: (HTTP_TITLES[403], _l("You may not see or do this.")),
        404: (HTTP_TITLES[404], _l("There is nothing at this address.")),
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
    return same_site_referrer() or url_for("auth.index")


def refused(error: UserError):
    """The one answer to a refusal (the unit of work has already rolled back): JSON under /api/, else the
    message flashed on the page the form came from."""
    if is_api_request():  # a guard's refusal names the guard, for programs
        extra = {"guard": error.guard} if getattr(error, "guard", None) else {}
        return json_error(error.status, error.code, error.message, **extra)
    if error.status in (403, 404):  # not a mistake to correct on the form: the page says why
        return render_template("errors.html", code=error.status, title=HTTP_TITLES[error.status],
                               message=error.message), error.status
    flash(str(error.message), error.category)
    return redirect(error.back or refusal_back() or back_to_form())
