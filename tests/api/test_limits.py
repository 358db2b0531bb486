"""Query limits: depth, aliases, tokens and body size, each refused with its code and a sentence; configurable."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from starlette.testclient import TestClient

from config import Config
from schema.limits import QueryLimits
from server import create_app
from tests.api.conftest import codes, graphql

VIN = "WXVZZZB8ZME456992"


def nested(levels: int) -> str:
    """A valid query `levels` fields deep: vehicle → serviceQuote → … via the quote's item fields."""
    shapes = {
        2: f'{{ vehicle(vin: "{VIN}") {{ vin }} }}',
        3: f'{{ vehicle(vin: "{VIN}") {{ engine {{ code }} }} }}',
        4: f'{{ vehicle(vin: "{VIN}") {{ engine {{ oilNorms {{ code }} }} }} }}',
    }
    return shapes[levels]


def test_default_depth_limit_is_12(client: TestClient) -> None:
    """The schema has no cycles, so only a document of unknown fields gets this deep: it is refused for both."""

    def deep(levels: int) -> str:
        return "{ " + " { ".join(["vehicle"] * levels) + " }" * levels

    assert "QUERY_TOO_DEEP" not in codes(graphql(client, deep(12)))
    assert "QUERY_TOO_DEEP" in codes(graphql(client, deep(13)))


def test_depth_limit_is_enforced_and_configurable(prepared: Path, tmp_path: Path) -> None:
    config = Config(data_dir=prepared, cache_dir=tmp_path, limits=QueryLimits(max_depth=3))
    with TestClient(create_app(config)) as client:
        assert "errors" not in graphql(client, nested(3))
        body = graphql(client, nested(4))
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_DEEP"]
    assert "4 levels deep; at most 3" in body["errors"][0]["message"]


def test_depth_counts_fragments(prepared: Path, tmp_path: Path) -> None:
    config = Config(data_dir=prepared, cache_dir=tmp_path, limits=QueryLimits(max_depth=3))
    query = f'{{ vehicle(vin: "{VIN}") {{ ...E }} }} fragment E on Vehicle {{ engine {{ oilNorms {{ code }} }} }}'
    with TestClient(create_app(config)) as client:
        assert codes(graphql(client, query)) == ["QUERY_TOO_DEEP"]


def test_introspection_does_not_count_towards_depth(client: TestClient) -> None:
    of_types = "ofType { " * 9 + "name" + " }" * 9
    query = "{ __schema { types { fields { type { " + of_types + " } } } } }"
    body = graphql(client, query)
    assert "errors" not in body


def test_31_aliases_are_too_many(client: TestClient) -> None:
    ok = "{ " + " ".join(f"m{i}: markets {{ code }}" for i in range(30)) + " }"
    too_many = "{ " + " ".join(f"m{i}: markets {{ code }}" for i in range(31)) + " }"
    assert "errors" not in graphql(client, ok)
    body = graphql(client, too_many)
    assert codes(body) == ["TOO_MANY_ALIASES"]
    assert "31 aliases; at most 30" in body["errors"][0]["message"]


def test_more_than_2000_tokens_is_too_large(client: TestClient) -> None:
    body = graphql(client, "{ markets { " + "code " * 2000 + "} }")
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_LARGE"]


def test_a_body_over_256_kib_is_refused_before_parsing(client: TestClient) -> None:
    query = "{ markets { code } }" + " " * (256 * 1024)
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert codes(response.json()) == ["QUERY_TOO_LARGE"]


def test_a_streamed_body_without_length_is_cut_at_the_limit(config: Config) -> None:
    small = replace(config, limits=QueryLimits(max_body_bytes=1000))
    with TestClient(create_app(small)) as client:

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b" " * 500

        response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert codes(response.json()) == ["QUERY_TOO_LARGE"]
