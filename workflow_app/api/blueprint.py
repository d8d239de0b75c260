"""The JSON integration API, version 1 (``/api/v1``): token authentication, nominations in the
caller's jurisdiction, transitions through the same workflow as the browser, statistics and
certificate verification. Handlers stay thin: parse, load, check access (``policy``), act."""

from __future__ import annotations

import base64
import binascii
import re

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from states.nomination import EVENTS, REVIEW_LEVELS, STATES, describe, review_chain
from workflow_app.api import serializers
from workflow_app.api.errors import ApiError, http_error, is_api_request, json_error
from workflow_app.api.openapi import document
from workflow_app.auth.models import User
from workflow_app.certificates.services import certificate_of, find_by_number, find_by_token
from workflow_app.core import work
from workflow_app.core.http import MAX_ID
from workflow_app.core.timeutil import china_today
from workflow_app.extensions import csrf, db, limiter
from workflow_app.nominations.models import Nomination
from workflow_app.nominations.queries import ListFilters, visible_query
from workflow_app.nominations.services import perform_transition
from workflow_app.policy import can_view, report_filter, statistics_counties
from workflow_app.stats.models import WHOLE_YEAR, StatisticsReport
from workflow_app.stats.queries import MEASURES, TARGET_OF, county_dashboard
from workflow_app.tokens import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies authenticate here, so there is no cross-site request to forge

PUBLIC = {"api.openapi", "api.verify_lookup", "api.verify_token"}
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_VOTE = 100_000
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@bp.app_errorhandler(ApiError)
def api_error(error: ApiError):
    return json_error(error.status, error.code, error.message, error.headers)


@bp.app_errorhandler(HTTPException)
def other_http_errors(error: HTTPException):
    """Codes without a page of their own (405, 415, …): JSON under /api/, the default elsewhere."""
    return http_error(error) if is_api_request() else error


@bp.before_request
def authenticate():
    """Only the bearer token counts: a browser session cookie never authenticates an API call."""
    g.api_user = None
    if request.endpoint in PUBLIC:
        return
    try:
        token = services.authenticate(request.headers.get("Authorization"))
    except services.TokenRejected as rejected:
        # RFC 6750: no error attribute when no token was sent at all.
        challenge = 'Bearer realm="api"' if rejected.code == "token_missing" else \
            f'Bearer realm="api", error="invalid_token", error_description="{rejected.code}"'
        raise ApiError(401, rejected.code, rejected.message, {"WWW-Authenticate": challenge}) from None
    if request.method not in ("GET", "HEAD", "OPTIONS") and not token.can_write:
        raise ApiError(403, "insufficient_scope", _("This token may only read; create a read_write token to act."),
                       {"WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope"'})
    with work.unit():  # bookkeeping, committed at once: a call that is then refused was still a use
        services.record_use(token)
    g.api_token, g.api_user = token, token.user


def _user() -> User:
    return g.api_user


# ---------------------------------------------------------------- parameters
def _integer(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    # The length first: int() refuses more than 4,300 digits (a ValueError, a 500).
    if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > len(str(high)) or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_parameter",
                       _("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high))
    return int(raw)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"n:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> int:
    """The id after which the next page starts (0: the first page)."""
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    kind, _sep, value = text.partition(":")
    if kind != "n" or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise ApiError(400, "invalid_cursor", _("The cursor is not one this API gave out."))
    return int(value)


def list_filters() -> ListFilters:
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        raise ApiError(400, "invalid_parameter", _("state must be one of: %(states)s.", states=", ".join(STATES)))
    q = request.args.get("q", "").replace("\x00", "").strip()
    if len(q) > 50:
        raise ApiError(400, "invalid_parameter", _("q may have at most 50 characters."))
    return ListFilters(campaign_id=_integer("campaign", 1, MAX_ID), honor_type_id=_integer("honor_type", 1, MAX_ID),
                       township_id=_integer("township", 1, MAX_ID), state=state, q=q)


# ---------------------------------------------------------------- nominations
@bp.get("/nominations")
def nominations():
    filters = list_filters()
    limit = _integer("limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
    after = decode_cursor(request.args.get("cursor"))
    rows = db.session.scalars(
        visible_query(_user(), filters).where(Nomination.id > after).order_by(Nomination.id).limit(limit + 1)
    ).unique().all()
    page, more = rows[:limit], len(rows) > limit
    return jsonify(items=[serializers.nomination_summary(n) for n in page],
                   next_cursor=encode_cursor(page[-1].id) if more else None)


def load_visible(nomination_id: int) -> Nomination:
    """404 for an id that names nothing, 403 for one outside the caller's jurisdiction."""
    nomination = db.session.get(Nomination, nomination_id) if 0 < nomination_id <= MAX_ID else None
    if nomination is None:
        raise ApiError(404, "not_found", _("There is no nomination with this id."))
    if not can_view(_user(), nomination):
        raise ApiError(403, "forbidden", _("This nomination is outside your jurisdiction."))
    return nomination


def _detail(nomination: Nomination) -> dict:
    return serializers.nomination_detail(nomination, chain=review_chain(nomination),
                                         offers=describe(nomination, _user()),
                                         certificate=certificate_of(nomination))


@bp.get("/nominations/<int:nomination_id>")
def nomination(nomination_id: int):
    return jsonify(_detail(load_visible(nomination_id)))


@bp.get("/nominations/<int:nomination_id>/events")
def nomination_events(nomination_id: int):
    nomination = load_visible(nomination_id)
    return jsonify(items=[serializers.audit_event(entry) for entry in nomination.audit_entries])


def whole_number(value) -> int | None:
    """An integer from JSON (``5`` or ``5.0``, both integers to JSON Schema), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _small_count(vote: dict, name: str) -> int | None:
    if vote.get(name) is None:
        return None
    value = whole_number(vote[name])
    if value is None or not 0 <= value <= MAX_VOTE:
        raise ApiError(400, "invalid_body", _("vote.%(name)s must be a whole number from 0 to %(max)d.",
                                              name=name, max=MAX_VOTE))
    return value


def transition_request() -> tuple[str, str, int, dict]:
    """(event, comment, version, data: the vote and the level a return goes to) from the JSON body, or a 400
    that says what is wrong."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _("The body must be a JSON object (Content-Type: application/json)."))
    event, comment, version, vote = body.get("event"), body.get("comment", ""), body.get("version"), body.get("vote")
    if event not in EVENTS:
        raise ApiError(400, "invalid_body", _("event must be one of: %(events)s.", events=", ".join(EVENTS)))
    if comment is None:
        comment = ""
    if not isinstance(comment, str):  # its length and characters are the workflow's comment guards
        raise ApiError(400, "invalid_body", _("comment must be text."))
    version = whole_number(version)
    if version is None or not 0 < version <= MAX_ID:
        raise ApiError(400, "invalid_body", _("version must be the nomination's current version (a whole number)."))
    if vote is not None and not isinstance(vote, dict):
        raise ApiError(400, "invalid_body", _("vote must be an object with due, present and in_favour."))
    vote = vote or {}
    data = {f"vote_{name}": _small_count(vote, name) for name in ("due", "present", "in_favour")}
    level = body.get("return_level")
    if level is not None and level not in REVIEW_LEVELS:  # whether it is a lower level here: the workflow's guard
        raise ApiError(400, "invalid_body", _("return_level must be one of: %(levels)s.",
                                              levels=", ".join(REVIEW_LEVELS)))
    data["return_level"] = level
    return event, comment, version, data


@bp.post("/nominations/<int:nomination_id>/transitions")
def transition(nomination_id: int):
    """The browser's transition, with the same guards, comment rules and audit row (``perform_transition``).
    The workflow's refusal says which kind it is: a stale version or a race lost is 409 ``conflict``, an
    action the state does not have is 409 ``invalid_state``, a guard's refusal is 422 ``refused`` with the
    guard's name (the one handler, ``workflow_app/web.py``, answers them all)."""
    nomination = load_visible(nomination_id)
    event, comment, version, data = transition_request()
    entry = perform_transition(nomination, event, _user(), comment, expected_version=version,
                               client_ip=request.remote_addr, data=data)
    return jsonify(event=serializers.audit_event(entry), nomination=_detail(nomination))


# ---------------------------------------------------------------- statistics
def latest_year(user: User) -> int:
    """The latest year with an accepted yearly report the user may see, else this year (as the dashboard)."""
    year = db.session.scalar(select(func.max(StatisticsReport.year)).where(
        report_filter(user), StatisticsReport.state == "accepted", StatisticsReport.quarter == WHOLE_YEAR))
    return year or china_today().year


@bp.get("/statistics")
def statistics():
    counties = statistics_counties(_user())
    if not counties:
        raise ApiError(403, "forbidden", _("The county dashboard is for county reviewers and administrators."))
    chosen = _integer("county", 1, MAX_ID)
    county = next((unit for unit in counties if unit.id == chosen), None) if chosen else counties[0]
    if county is None:
        raise ApiError(403, "forbidden", _("This county's figures are outside your jurisdiction."))
    year = _integer("year", 1900, 2999) or latest_year(_user())
    quarter = _integer("quarter", 0, 4) or WHOLE_YEAR
    return jsonify(serializers.dashboard(county_dashboard(county, year, quarter), MEASURES, TARGET_OF))


# ---------------------------------------------------------------- certificates (public)
def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute")


@bp.get("/certificates/verify")
@limiter.limit(_verify_limit)
def verify_lookup():
    """By number and check code, as typed from paper; limited like the public page."""
    number, check = request.args.get("number", "").strip(), request.args.get("check", "").strip()
    if not number or not check:
        raise ApiError(400, "missing_parameter", _("Give both the certificate number and the check code."))
    found = None
    if len(number) <= 64 and len(check) <= 16 and "\x00" not in number + check:
        found = find_by_number(number, check)
    if found is None:
        raise ApiError(404, "not_found", _("No certificate matches. Check the number and the check code."))
    return jsonify(serializers.certificate_status(found))


@bp.get("/certificates/verify/<token>")
def verify_token(token: str):
    found = find_by_token(token) if TOKEN_PATTERN.fullmatch(token) else None
    if found is None:
        raise ApiError(404, "not_found", _("No certificate matches this link."))
    return jsonify(serializers.certificate_status(found))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
