"""The OpenAPI document describes what the API really sends, checked two ways:
real responses validated against it, and schemathesis generating requests from it."""

from __future__ import annotations

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import FailureGroup

from portal.extensions import db
from tests import factories, factories_metrics
from tests.factories_metrics import NOW


@pytest.fixture
def token(app, world, time_machine):
    time_machine.move_to(NOW, tick=True)
    factories_metrics.build()
    _, plain = factories.api_token(world.fda_admin)
    db.session.commit()
    return plain


def fetch_document(app, plain: str) -> dict:
    response = app.test_client().get(
        "/api/v1/openapi.json", headers={"Authorization": f"Bearer {plain}"}
    )
    assert response.status_code == 200
    return response.json


def validator_for(document: dict, path: str, status: str) -> jsonschema.Validator:
    """The response schema of GET ``path``, with the components its $refs point into."""
    schema = document["paths"][path]["get"]["responses"][status]["content"]["application/json"][
        "schema"
    ]
    rooted = {**schema, "components": document["components"]}
    jsonschema.Draft202012Validator.check_schema(rooted)
    return jsonschema.Draft202012Validator(rooted, format_checker=jsonschema.FormatChecker())


def test_the_document_is_valid_openapi_3_1(app, token):
    document = fetch_document(app, token)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/sites",
        "/api/v1/engagements",
        "/api/v1/meetings",
        "/api/v1/questions",
        "/api/v1/feedback-summaries",
        "/api/v1/quality-actions",
        "/api/v1/metrics",
    }
    # Every API route the app serves is described (the document itself aside).
    served = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"
    }
    assert served == set(document["paths"])


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/sites",
        "/api/v1/engagements",
        "/api/v1/meetings",
        "/api/v1/questions",
        "/api/v1/questions?include_bodies=true",
        "/api/v1/feedback-summaries",
        "/api/v1/quality-actions?limit=2",
        "/api/v1/metrics",
        "/api/v1/metrics?fiscal_year=2024",
        "/api/v1/metrics?date_from=2024-09-30&date_to=2024-10-01",
    ],
)
def test_real_responses_match_the_document(app, token, query):
    document = fetch_document(app, token)
    response = app.test_client().get(query, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json
    if "data" in body:
        assert body["data"], "the check needs records to check"
    errors = list(validator_for(document, query.split("?")[0], "200").iter_errors(body))
    assert not errors, [error.message for error in errors[:5]]


def test_error_responses_match_the_document(app, token):
    document = fetch_document(app, token)
    client = app.test_client()
    bad = client.get("/api/v1/sites?limit=0", headers={"Authorization": f"Bearer {token}"})
    validator_for(document, "/api/v1/sites", "400").validate(bad.json)
    refused = client.get("/api/v1/sites")
    validator_for(document, "/api/v1/sites", "401").validate(refused.json)


def test_a_closed_schema_catches_an_undocumented_field(app, token):
    """The control for the test above: a response with one field too many fails."""
    document = fetch_document(app, token)
    body = (
        app.test_client().get("/api/v1/meetings", headers={"Authorization": f"Bearer {token}"}).json
    )
    body["data"][0]["row_id"] = 7
    assert not validator_for(document, "/api/v1/meetings", "200").is_valid(body)


#: Generated requests per operation: enough to vary every parameter, quick enough for CI.
EXAMPLES_PER_OPERATION = 25


def run_schemathesis(app, schema, headers: dict[str, str]) -> list[int]:
    """Generated requests against every operation; raises on the first failed check."""
    schema.app = app
    checked: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
            checked.append(response.status_code)

        check()
    return checked


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, token):
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=headers)
    checked = run_schemathesis(app, schema, headers)
    assert len(checked) >= 7 * 5
    assert 200 in checked


def test_schemathesis_would_catch_a_document_that_lies(app, token):
    """The control: drop one field from the Meeting schema and the run fails."""
    headers = {"Authorization": f"Bearer {token}"}
    document = fetch_document(app, token)
    document["paths"] = {"/api/v1/meetings": document["paths"]["/api/v1/meetings"]}
    del document["components"]["schemas"]["Meeting"]["properties"]["timezone"]
    document["components"]["schemas"]["Meeting"]["required"].remove("timezone")
    with pytest.raises(FailureGroup) as caught:
        run_schemathesis(app, schemathesis.openapi.from_dict(document), headers)
    assert [type(error).__name__ for error in caught.value.exceptions] == ["JsonSchemaError"]
