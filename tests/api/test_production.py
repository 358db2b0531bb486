"""Production mode: no GraphiQL, no introspection, no "did you mean" suggestions."""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from config import Config
from server import create_app
from tests.access.credentials import ADMIN, with_keys
from tests.api.conftest import codes, graphql


@pytest.fixture
def production(config: Config, tmp_path: Path) -> Iterator[TestClient]:
    """Production with an administrator's key: what is left out there is left out for everyone."""
    app = create_app(replace(with_keys(config, tmp_path, [ADMIN]), production=True))
    with TestClient(app, headers=ADMIN.header) as client:
        yield client


def test_no_graphiql_page_or_assets(production: TestClient) -> None:
    assert production.get("/graphql", headers={"accept": "text/html"}).status_code == 404
    assert production.get("/static/graphiql/graphiql.min.js").status_code == 404


def test_introspection_is_refused_with_a_code(production: TestClient) -> None:
    body = graphql(production, "{ __schema { types { name } } }")
    assert body["data"] is None
    assert set(codes(body)) == {"INTROSPECTION_DISABLED"}


def test_errors_suggest_nothing(production: TestClient, client: TestClient) -> None:
    assert "Did you mean" in graphql(client, "{ vehicl { vin } }")["errors"][0]["message"]
    body = graphql(production, "{ vehicl { vin } }")
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in body["errors"][0]["message"]


def test_queries_still_work(production: TestClient) -> None:
    assert graphql(production, '{ vehicle(vin: "WXVZZZB8ZME456992") { vin } }')["data"]["vehicle"] is not None


def test_environment_switches_production_on() -> None:
    assert Config.from_env({"AFTERSALES_PRODUCTION": "true"}).production
    assert not Config.from_env({}).production


def dockerfile_environment() -> dict[str, str]:
    """The environment the container image sets (its ENV instructions, with line continuations)."""
    text = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text().replace("\\\n", " ")
    pairs = [word for line in text.splitlines() if line.startswith("ENV ") for word in shlex.split(line[4:])]
    return dict(pair.split("=", 1) for pair in pairs)


def test_the_container_serves_production_mode_unless_switched_to_development() -> None:
    environment = dockerfile_environment()
    assert Config.from_env(environment).production
    assert not Config.from_env({**environment, "AFTERSALES_PRODUCTION": "0"}).production


def test_in_production_get_runs_only_persisted_documents(production: TestClient) -> None:
    free = production.get("/graphql", params={"query": "{ __typename }"})
    assert free.status_code == 400 and codes(free.json()) == ["PERSISTED_QUERY_REQUIRED"]
    assert "POST" in free.json()["errors"][0]["message"]
    document = "{ markets { code } }"
    digest = hashlib.sha256(document.encode()).hexdigest()
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})
    registering = production.get("/graphql", params={"query": document, "extensions": extensions})
    assert registering.status_code == 400 and codes(registering.json()) == ["PERSISTED_QUERY_REQUIRED"]
    registered = production.post("/graphql", json={"query": document, "extensions": json.loads(extensions)})
    assert registered.status_code == 200
    by_hash = production.get("/graphql", params={"extensions": extensions})
    assert by_hash.status_code == 200 and by_hash.json()["data"]["markets"][0]["code"]


def test_development_keeps_get_for_free_text(client: TestClient) -> None:
    assert client.get("/graphql", params={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
