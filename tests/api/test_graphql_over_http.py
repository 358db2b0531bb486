"""GraphQL over HTTP through the application: every refusal a coded JSON answer with its request id, and the status
codes the spec gives each answer type."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from config import Config
from server import create_app
from tests.api.bad_requests import BAD_REQUESTS, TYPENAME, BadRequest
from tests.api.conftest import codes

GRAPHQL_RESPONSE = "application/graphql-response+json"
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def ask(client: TestClient, query: str, accept: str = GRAPHQL_RESPONSE, **fields: Any) -> Any:
    return client.post("/graphql", json={"query": query, **fields}, headers={"accept": accept})


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=lambda bad: bad.name)
def test_every_client_mistake_is_a_coded_json_4xx_with_a_request_id(client: TestClient, bad: BadRequest) -> None:
    response = client.request(bad.method, bad.path, content=bad.body, headers=bad.headers)
    assert (response.status_code, codes(response.json())) == (bad.status, [bad.code]), response.text
    assert response.headers["content-type"].startswith("application/json")
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])
    assert "data" not in response.json(), "nothing was executed"
    message = response.json()["errors"][0]["message"]
    assert message.endswith(".") and "Error" not in message and "Traceback" not in message


def test_a_mutation_over_get_is_refused_naming_the_method_to_use(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_graphql_response_json_answers_400_without_data_when_nothing_was_executed(client: TestClient) -> None:
    for query, variables, code in [
        ("{", None, "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query ($vin: String!) { vehicle(vin: $vin) { vin } }", {"vin": None}, "BAD_USER_INPUT"),
    ]:
        response = ask(client, query, variables=variables)
        assert response.status_code == 400, query
        assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
        assert "data" not in response.json() and codes(response.json()) == [code]


def test_graphql_response_json_answers_200_once_execution_started(client: TestClient) -> None:
    ok = ask(client, "{ __typename }")
    assert (ok.status_code, ok.json()) == (200, {"data": {"__typename": "Query"}})
    field_error = ask(client, '{ vehicle(vin: "TOO-SHORT") { vin } }')
    assert field_error.status_code == 200
    assert field_error.json()["data"] == {"vehicle": None} and codes(field_error.json()) == ["INVALID_VIN_FORMAT"]


def test_application_json_answers_200_for_every_graphql_result(client: TestClient) -> None:
    for query in ["{", "{ noSuchField }", "{ __typename }"]:
        response = ask(client, query, accept="application/json")
        assert response.status_code == 200 and response.headers["content-type"] == "application/json; charset=utf-8"


def test_an_unknown_operation_name_is_a_graphql_request_error(client: TestClient) -> None:
    query = "query A { __typename } query B { __typename }"
    assert ask(client, query, operationName="B").json() == {"data": {"__typename": "Query"}}
    response = ask(client, query, operationName="C")
    assert response.status_code == 400 and codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "no operation named 'C'" in response.json()["errors"][0]["message"]
    assert ask(client, query, "application/json", operationName="C").status_code == 200
    only_fragments = ask(client, "fragment F on Query { __typename }")
    assert only_fragments.status_code == 400 and codes(only_fragments.json()) == ["GRAPHQL_VALIDATION_FAILED"]


def test_the_answer_type_follows_the_accept_header(client: TestClient) -> None:
    for accept, answer in [
        ("*/*", "application/json"),
        (f"application/json;q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", "application/json"),
    ]:
        response = ask(client, "{ __typename }", accept=accept)
        assert response.headers["content-type"] == f"{answer}; charset=utf-8", accept


def test_get_reads_variables_from_the_parameters(client: TestClient) -> None:
    query = "query ($vin: String!) { vehicle(vin: $vin) { vin } }"
    params = {"query": query, "variables": '{"vin": "WXVZZZB8ZME456992"}'}
    response = client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert response.json() == {"data": {"vehicle": {"vin": "WXVZZZB8ZME456992"}}}


def test_a_json_body_in_any_spelling_of_its_media_type_is_read(client: TestClient) -> None:
    for content_type in ("application/json; charset=utf-8", 'Application/JSON;Charset="UTF-8"'):
        response = client.post("/graphql", content=TYPENAME, headers={"content-type": content_type})
        assert response.json() == {"data": {"__typename": "Query"}}, content_type


def test_graphiql_is_for_browsers_and_plain_clients_get_a_coded_answer(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/graphql", headers={"accept": browser}).headers["content-type"].startswith("text/html")
    plain = client.get("/graphql", headers={"accept": "*/*"})
    assert plain.status_code == 400 and codes(plain.json()) == ["BAD_REQUEST"]


def test_an_unexpected_failure_is_a_coded_500_that_names_its_request_id(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    """A request that arrives before the data is loaded (the lifespan has not run) fails in a way no layer expects."""
    unstarted = TestClient(create_app(config), raise_server_exceptions=False)  # no `with`: no lifespan
    with caplog.at_level(logging.ERROR, logger="aftersales"):
        response = unstarted.post("/graphql", json={"query": "{ __typename }"})
    body = response.json()
    assert response.status_code == 500 and codes(body) == ["INTERNAL"]
    request_id = response.headers["x-request-id"]
    assert body["errors"][0]["extensions"]["requestId"] == request_id and request_id in body["errors"][0]["message"]
    assert "catalog" not in response.text and "Traceback" not in response.text
    (logged,) = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert logged.exc_info is not None and "catalog" in str(logged.exc_info[1])


def test_production_refuses_the_page_with_a_code(prepared: Path, tmp_path: Path) -> None:
    config = Config(data_dir=prepared, cache_dir=tmp_path, production=True)
    with TestClient(create_app(config)) as production:
        response = production.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404 and codes(response.json()) == ["NOT_FOUND"]
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])
