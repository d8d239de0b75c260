"""Errors of the JSON API: always ``{"error": code, "message": text}``, never an HTML page."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"

# The code programs read for each HTTP status the framework raises; the message is for people.
HTTP_ERRORS = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Send an API token: Authorization: Bearer <token>.")),
    403: ("forbidden", _l("You may not see or do this.")),
    404: ("not_found", _l("There is nothing at this address.")),
    405: ("method_not_allowed", _l("This address does not accept this method.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("too_large", _l("The request is larger than allowed.")),
    415: ("unsupported_media_type", _l("Send the body as application/json.")),
    422: ("refused", _l("The request was understood but refused.")),
    429: ("too_many_requests", _l("Too many attempts. Please wait a minute and try again.")),
    500: ("server_error", _l("The server failed; nothing was changed. Please try again.")),
}


class ApiError(Exception):
    """Raised by API handlers to answer with a JSON error."""

    def __init__(self, status: int, code: str, message, headers: dict | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, code: str | None = None, message=None, headers: dict | None = None, **extra):
    default_code, default_message = HTTP_ERRORS.get(status, ("error", ""))
    response = jsonify(error=code or default_code, message=str(message or default_message), **extra)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def http_error(error: HTTPException):
    """A framework error (routing 404/405, abort, rate limit, a 500) as JSON."""
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return json_error(status, headers=headers)
