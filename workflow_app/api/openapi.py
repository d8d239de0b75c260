"""The OpenAPI 3.1 document of ``/api/v1``, as data. Tests validate it and let schemathesis check
every response of the running app against it, so a change to a handler or serializer that
is not made here too fails the suite."""

from __future__ import annotations

import copy

from states.nomination import EVENTS, REVIEW_LEVELS, STATES
from workflow_app.core.http import MAX_ID
from workflow_app.stats.figures import FIGURES, STATUSES
from workflow_app.stats.queries import MEASURES


def _nullable(kind: str | list[str], **extra) -> dict:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return {"type": [*kinds, "null"], **extra}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _id_parameter(name: str, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "409": {"$ref": "#/components/responses/Conflict"},
    "422": {"$ref": "#/components/responses/Refused"},
    "429": {"$ref": "#/components/responses/TooManyRequests"},
}


def _errors(*codes: str) -> dict:
    return {code: ERRORS[code] for code in codes}


UNIT = _object({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                "level": {"type": "string"}})
TIMESTAMP = {"type": "string", "format": "date-time"}
LEVELS = {"type": "array", "items": {"type": "string", "enum": list(REVIEW_LEVELS)}}
SUMMARY = _object({
    "id": {"type": "integer"},
    "state": {"type": "string", "enum": STATES},
    "state_label": {"type": "string"},
    "version": {"type": "integer", "description": "Send it back with a transition: a changed version is a 409."},
    "nominee_name": {"type": "string"},
    "nominee_kind": {"type": "string", "enum": ["person", "organisation"]},
    "id_number": _nullable("string", description="Masked in lists (4116**********0014)."),
    "phone": _nullable("string", description="Masked in lists."),
    "campaign": _object({"id": {"type": "integer"}, "name": {"type": "string"}, "year": {"type": "integer"}}),
    "honor_type": _object({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}}),
    "unit": _ref("OrgUnit"),
    "township": {**_ref("OrgUnit"), "description": "The unit the quota counts against (township or county)."},
    "created_at": TIMESTAMP,
    "updated_at": TIMESTAMP,
    "submitted_at": _nullable("string", format="date-time"),
})


def _detail() -> dict:
    detail = copy.deepcopy(SUMMARY)
    detail["properties"]["id_number"] = _nullable("string", description="In full, as on the nomination page.")
    detail["properties"]["phone"] = _nullable("string", description="In full, as on the nomination page.")
    extra = {
        "details": {"type": "object", "description": "Person or organisation fields, by name.",
                    "additionalProperties": _nullable(["string", "integer"])},
        "honors_held": _nullable("string"),
        "deeds_summary": {"type": "string"},
        "deeds_full": {"type": "string"},
        "vote": {"oneOf": [{"type": "null"}, _object({"due": {"type": "integer"}, "present": _nullable("integer"),
                                                      "in_favour": _nullable("integer")})]},
        "notice": {"oneOf": [{"type": "null"}, _object({"starts_on": {"type": "string", "format": "date"},
                                                        "ends_on": _nullable("string", format="date"),
                                                        "result": _nullable("string")})]},
        "review_chain": LEVELS,
        "available_events": {"type": "array", "items": {"type": "string", "enum": EVENTS},
                             "description": "Actions the caller may try now (as the buttons on the page)."},
        "actions": {"type": "array", "description": "The same actions with what each needs, as the workflow "
                    "describes them: a comment (a reason), a confirmation question, the branch's vote, the level "
                    "a return goes to (one of choices.return_level).",
                    "items": _object({"event": {"type": "string", "enum": EVENTS}, "label": {"type": "string"},
                                      "needs_comment": {"type": "boolean"}, "confirm": _nullable("string"),
                                      "inputs": {"type": "array", "items": {"type": "string",
                                                                            "enum": ["vote", "return_level"]}},
                                      "choices": {"type": "object", "description": "Per input, the values it may "
                                                  "take here (return_level: the lower levels, nearest first).",
                                                  "properties": {"return_level": LEVELS}, "required": []}})},
        "attachments": {"type": "array", "items": _object({
            "id": {"type": "integer"}, "name": {"type": "string"}, "content_type": {"type": "string"},
            "size": {"type": "integer"}, "uploaded_at": TIMESTAMP})},
        "certificate": {"oneOf": [{"type": "null"}, _object({"number": {"type": "string"},
                                                             "issued_on": {"type": "string", "format": "date"},
                                                             "revoked": {"type": "boolean"}})]},
    }
    detail["properties"].update(extra)
    detail["required"] = list(detail["properties"])
    return detail


AUDIT_EVENT = _object({
    "id": {"type": "integer"},
    "event": {"type": "string"},
    "event_label": {"type": "string"},
    "from_state": {"type": "string"},
    "to_state": {"type": "string"},
    "actor_name": {"type": "string"},
    "actor_role": {"type": "string"},
    "actor_unit": _nullable("string"),
    "on_behalf_of": _nullable("string", description="Whose to-do it was, when a delegate acted."),
    "comment": {"type": "string"},
    "created_at": TIMESTAMP,
})
RATE = _nullable("number", description="Percent, one decimal; null when the denominator is zero.")
RATES = {"type": "object", "properties": {m: RATE for m in MEASURES}, "additionalProperties": False}
GAP = {"oneOf": [{"type": "null"}, _object({"status": {"type": "string", "enum": list(STATUSES)},
                                            "points": _nullable("number"), "needed": {"type": "integer"}})]}
ROW = _object({
    "unit": {"oneOf": [{"type": "null"}, _ref("OrgUnit")], "description": "null for the county total"},
    "figures": {"oneOf": [{"type": "null"}, _object({name: {"type": "integer"} for name in FIGURES})],
                "description": "From the accepted report; null while there is none."},
    "model_homes": {"type": "integer"},
    "pending_state": _nullable("string", description="A version being prepared or awaiting review."),
    "report_id": _nullable("integer"),
    "rates": RATES,
    "gaps": {"type": "object", "properties": {m: GAP for m in MEASURES}, "additionalProperties": False},
    "change": RATES,
})
DASHBOARD = _object({
    "county": _ref("OrgUnit"),
    "year": {"type": "integer"},
    "quarter": {"type": "integer", "minimum": 0, "maximum": 4, "description": "0 is the whole year."},
    "targets": {"oneOf": [{"type": "null"}, RATES]},
    "filed": {"type": "integer", "description": "Rows with an accepted report."},
    "rows": {"type": "array", "items": _ref("DashboardRow")},
    "total": _ref("DashboardRow"),
    "trend": {"type": "array", "items": _object({"year": {"type": "integer"}, "quarter": {"type": "integer"},
                                                 "units": {"type": "integer"}, "rates": RATES, "targets": RATES})},
})
CERTIFICATE = _object({
    "status": {"type": "string", "enum": ["valid", "revoked"]},
    "number": {"type": "string"},
    "holder": {"type": "string"},
    "honor": {"type": "string"},
    "issuer": {"type": "string"},
    "issued_on": {"type": "string", "format": "date"},
    "revoked_at": _nullable("string", format="date-time"),
})
TRANSITION_REQUEST = _object({
    "event": {"type": "string", "enum": EVENTS},
    "comment": {"type": "string", "maxLength": 1000,
                "description": "Required to return (to the chair or to a lower level), recall an "
                "approval, reject, revoke or resolve an objection."},
    "version": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                "description": "The version you read; a different current version is a 409."},
    "vote": _object({name: {"type": "integer", "minimum": 0, "maximum": 100000}
                     for name in ("due", "present", "in_favour")}, required=[],
                    description="The branch's democratic vote, for approvals that need one."),
    "return_level": {"type": "string", "enum": list(REVIEW_LEVELS),
                     "description": "For return_to_level: the lower level of the chain it goes back to."},
}, required=["event", "version"])

NOMINATION_ID = _id_parameter("nomination_id", "The nomination's id.", "path", required=True)
TOKEN_SECURITY = [{"bearer": []}]


def document() -> dict:
    """The whole document (a new dict each time: callers may change theirs)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Union Honors API", "version": "1.0.0",
                 "description": "Nominations, transitions, statistics and certificate checks for other union "
                                "systems and mobile clients. See docs/api.md."},
        "servers": [{"url": "/api/v1"}],
        "security": TOKEN_SECURITY,
        "paths": {
            "/nominations": {"get": {
                "operationId": "listNominations",
                "summary": "Nominations in the caller's jurisdiction, by id, a page at a time",
                "parameters": [
                    _id_parameter("campaign", "Only this campaign."),
                    _id_parameter("honor_type", "Only this honor type."),
                    _id_parameter("township", "Only nominations counted against this township."),
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": STATES}},
                    {"name": "q", "in": "query", "description": "Part of the nominee's or the unit's name.",
                     "schema": {"type": "string", "maxLength": 50}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                                "default": 20}},
                    {"name": "cursor", "in": "query", "description": "next_cursor of the previous page.",
                     "schema": {"type": "string", "maxLength": 100}},
                ],
                "responses": {"200": _ok("A page of nominations", "NominationPage"), **_errors("400", "401")},
            }},
            "/nominations/{nomination_id}": {"get": {
                "operationId": "getNomination",
                "summary": "One nomination, as its page shows it",
                "parameters": [NOMINATION_ID],
                "responses": {"200": _ok("The nomination", "NominationDetail"), **_errors("401", "403", "404")},
            }},
            "/nominations/{nomination_id}/events": {"get": {
                "operationId": "listNominationEvents",
                "summary": "The timeline: every transition, oldest first",
                "parameters": [NOMINATION_ID],
                "responses": {"200": _ok("The timeline", "EventList"), **_errors("401", "403", "404")},
            }},
            "/nominations/{nomination_id}/transitions": {"post": {
                "operationId": "performTransition",
                "summary": "Act on a nomination (approve, return, …) with the browser's guards and audit",
                "parameters": [NOMINATION_ID],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("TransitionRequest")}}},
                "responses": {"200": _ok("Done", "TransitionResult"),
                              **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/statistics": {"get": {
                "operationId": "getStatistics",
                "summary": "The county dashboard's figures for the caller's county",
                "parameters": [
                    {"name": "year", "in": "query", "description": "Default: the latest year with accepted reports.",
                     "schema": {"type": "integer", "minimum": 1900, "maximum": 2999}},
                    {"name": "quarter", "in": "query", "description": "1–4, or 0 (default) for the whole year.",
                     "schema": {"type": "integer", "minimum": 0, "maximum": 4}},
                    _id_parameter("county", "For someone overseeing several counties; default the first."),
                ],
                "responses": {"200": _ok("The dashboard", "Dashboard"), **_errors("400", "401", "403")},
            }},
            "/certificates/verify": {"get": {
                "operationId": "verifyCertificateByNumber",
                "summary": "Check a certificate by its number and check code (public, rate limited)",
                "security": [],
                "parameters": [
                    {"name": "number", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 64}},
                    {"name": "check", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 16}},
                ],
                "responses": {"200": _ok("The certificate's status", "CertificateStatus"),
                              **_errors("400", "404", "429")},
            }},
            "/certificates/verify/{token}": {"get": {
                "operationId": "verifyCertificateByToken",
                "summary": "Check a certificate by the token in its QR code (public)",
                "security": [],
                "parameters": [{"name": "token", "in": "path", "required": True,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
                "responses": {"200": _ok("The certificate's status", "CertificateStatus"), **_errors("404")},
            }},
            "/openapi.json": {"get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A personal API token (account page or `flask api-token create`)."}},
            "schemas": {
                "Error": _object({"error": {"type": "string"}, "message": {"type": "string"},
                                  "guard": {"type": "string", "description": "With 422 refused: the name of the "
                                            "workflow's guard that refused (docs/workflow.md lists them)."}},
                                 required=["error", "message"]),
                "OrgUnit": UNIT,
                "NominationSummary": SUMMARY,
                "NominationDetail": _detail(),
                "NominationPage": _object({"items": {"type": "array", "items": _ref("NominationSummary")},
                                           "next_cursor": _nullable("string")}),
                "AuditEvent": AUDIT_EVENT,
                "EventList": _object({"items": {"type": "array", "items": _ref("AuditEvent")}}),
                "TransitionRequest": TRANSITION_REQUEST,
                "TransitionResult": _object({"event": _ref("AuditEvent"), "nomination": _ref("NominationDetail")}),
                "DashboardRow": ROW,
                "Dashboard": DASHBOARD,
                "CertificateStatus": CERTIFICATE,
            },
            "responses": {
                "BadRequest": _error_response("A parameter or the body is malformed"),
                "Unauthorized": _error_response("No token, or one unknown, revoked or expired (error says which)"),
                "Forbidden": _error_response("Outside the caller's jurisdiction, or a read token trying to write"),
                "NotFound": _error_response("Nothing has this id"),
                "Conflict": _error_response("Not possible in the current state, or someone else acted first"),
                "Refused": _error_response("A rule of the workflow refused; message says which, in the "
                                           "Accept-Language (zh by default)"),
                "TooManyRequests": _error_response("Rate limited"),
            },
        },
    }
