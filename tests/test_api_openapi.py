"""The OpenAPI document of /api/v1 is valid and matches the implementation: schemathesis
generates requests for every operation, sends them to the app in-process with a real token,
and checks that nothing answers 500 and every response fits the document (status, content
type, body schema)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.factories import SECOND_TOWNSHIP, bring_to
from workflow_app.auth.models import RoleAssignment
from workflow_app.certificates.services import certificate_of
from workflow_app.extensions import db
from workflow_app.tokens import services

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25  # per operation and mode: enough to walk every branch here, bounded for a quick suite


def test_the_document_is_valid_openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    validate(document)  # raises with the path of the first mistake
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                assert "content" in answer or "$ref" in answer, f"{method} {path} {status} has no schema"


@pytest.fixture
def populated(world):
    """Nominations in every kind of state, a certificate, and a caller who reviews and
    administers the county (so that most generated requests reach real rows)."""
    made = [bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1,
                                          id_number=factories.id_number()), state)
            for state in ("draft", "township_review", "county_review", "public_notice", "approved", "certified")]
    made.append(bring_to(factories.nomination(world.campaign, "advanced_worker", world.branch2, world.chair2,
                                              id_number=factories.id_number()), "branch_review", SECOND_TOWNSHIP))
    caller = factories.user("integrator", "reviewer", world.county, "接口账号")
    caller.roles.append(RoleAssignment(role="admin", org_unit=world.county))
    secret = services.create_token(caller, "schemathesis", "read_write").secret
    db.session.commit()
    return made, secret


def isolated(app):
    """The app as a WSGI callable whose every request runs in an app context of its own, as in production."""

    def wsgi(environ, start_response):
        with app.app_context():
            return app.wsgi_app(environ, start_response)

    return wsgi


def focused(document: dict, nominations, certificate) -> dict:
    """The same document with identifiers narrowed to real ones (and one that names nothing), so
    that generated requests reach real nominations and certificates, not only 404s. Responses are
    left as they are: they are what is checked."""
    document = copy.deepcopy(document)
    ids = [n.id for n in nominations] + [max(n.id for n in nominations) + 1]
    versions = sorted({n.version for n in nominations} | {1})
    paths = document["paths"]
    for operations in paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "nomination_id":
                    parameter["schema"] = {"type": "integer", "enum": ids}
                elif parameter["name"] == "token":
                    parameter["schema"] = {"type": "string", "enum": [certificate.token, "no-such-token", "x" * 64]}
                elif parameter["name"] == "number":
                    parameter["schema"] = {"type": "string", "enum": [certificate.number, "", "沈工证〔2026〕X-1"]}
                elif parameter["name"] == "check":
                    # The real code only: a third of the lookups then find the certificate (a wrong code is
                    # tests/test_api.py's), rather than a ninth, which a dozen examples may all miss.
                    parameter["schema"] = {"type": "string", "enum": [certificate.check_code]}
    request = document["components"]["schemas"]["TransitionRequest"]
    request["properties"]["version"] = {"type": "integer", "enum": versions}
    # One explicit example that the workflow accepts: the county approves what waits for it.
    waiting = next(n for n in nominations if n.state == "county_review")
    transitions = paths["/nominations/{nomination_id}/transitions"]["post"]
    transitions["parameters"][0]["example"] = waiting.id
    transitions["requestBody"]["content"]["application/json"]["example"] = {
        "event": "approve", "comment": "同意", "version": waiting.version}
    return document


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["valid_requests", "invalid_requests"])
def test_every_operation_answers_as_the_document_says(app, client, populated, mode):
    nominations, secret = populated
    certificate = certificate_of(nominations[5])
    document = focused(client.get("/api/v1/openapi.json").get_json(), nominations, certificate)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = isolated(app)
    headers = {"Authorization": f"Bearer {secret}"}
    checks = CONFORMANCE if mode == schemathesis.GenerationMode.POSITIVE else [
        not_a_server_error, content_type_conformance, response_schema_conformance]
    tried, statuses = [], {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode == schemathesis.GenerationMode.NEGATIVE and not (operation.query or operation.body
                                                                 or operation.path_parameters):
            continue  # nothing to get wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def run(case):
            response = case.call(headers=headers)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=checks, headers=headers)

        run()
        tried.append(operation.label)
    assert len(tried) >= (8 if mode == schemathesis.GenerationMode.POSITIVE else 6), tried
    if mode == schemathesis.GenerationMode.POSITIVE:  # the checks saw real answers, not only refusals
        assert all(200 in codes for codes in statuses.values()), sorted(statuses.items())


def test_docs_api_md_names_every_operation_of_the_document(client):
    """The written guide and the served document describe the same endpoints."""
    guide = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    for path, operations in client.get("/api/v1/openapi.json").get_json()["paths"].items():
        for method in operations:
            assert f"`{method.upper()} {path}" in guide, f"docs/api.md does not mention {method.upper()} {path}"
