"""Query limits: depth, repeated fields, aliases, tokens and body size, each refused with its code; configurable."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from starlette.testclient import TestClient

from config import Config, QueryLimits
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


def doubling(fragments: int) -> str:
    """Fragment i spreads fragment i + 1 twice: `fragments` spreads select `markets` 2^fragments times."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(fragments))
    return f"query {{ ...F0 }} {chain} fragment F{fragments} on Query {{ markets {{ code }} }}"


def test_30_doubling_fragments_are_refused_at_once(client: TestClient) -> None:
    """Walked once per fragment; a walk along every path would visit 2^30 of them."""
    started = time.perf_counter()
    body = graphql(client, doubling(30))
    assert time.perf_counter() - started < 1.0
    assert codes(body) == ["TOO_MANY_FIELD_REPEATS"]
    assert f"selects markets {2**30} times; at most 20" in body["errors"][0]["message"]


def test_doubling_fragments_within_the_limits_are_answered(client: TestClient) -> None:
    body = graphql(client, doubling(4))
    assert "errors" not in body
    assert body["data"]["markets"] == graphql(client, "{ markets { code } }")["data"]["markets"]


def test_one_field_repeated_21_times_in_one_selection_is_refused(client: TestClient) -> None:
    within = "{ " + "markets { code } " * 20 + "}"
    inline = "{ " + "... on Query { markets { code } } " * 21 + "}"
    nested = "{ markets { " + "code " * 21 + "} }"
    assert "errors" not in graphql(client, within)
    for query in (inline, nested, "{ " + "__typename " * 500 + "}"):
        assert codes(graphql(client, query)) == ["TOO_MANY_FIELD_REPEATS"]


def test_repeats_are_counted_per_response_path_through_repeated_parents(client: TestClient) -> None:
    """Five `markets` with five `code` each put 25 fields at `markets.code`, all compared pairwise for merging."""
    within = "{" + " markets { code code code code }" * 5 + " }"
    nested = "{" + " markets { code code code code code }" * 5 + " }"
    assert "errors" not in graphql(client, within)
    body = graphql(client, nested)
    assert codes(body) == ["TOO_MANY_FIELD_REPEATS"]
    assert "selects markets.code 25 times; at most 20" in body["errors"][0]["message"]


def test_field_repeats_limit_is_configurable(prepared: Path, tmp_path: Path) -> None:
    config = Config(data_dir=prepared, cache_dir=tmp_path, limits=QueryLimits(max_field_repeats=2))
    with TestClient(create_app(config)) as client:
        assert "errors" not in graphql(client, "{ markets { code code } brands { code } }")
        body = graphql(client, "{ markets { code code code } }")
    assert codes(body) == ["TOO_MANY_FIELD_REPEATS"]
    assert "selects markets.code 3 times; at most 2" in body["errors"][0]["message"]


def test_a_document_over_a_limit_is_refused_on_that_alone(client: TestClient) -> None:
    """The specification's rules do not run on it: one error, not one per unknown field as well."""
    body = graphql(client, "{ " + "nosuchfield " * 21 + "}")
    assert codes(body) == ["TOO_MANY_FIELD_REPEATS"]


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


def test_directives_past_the_limits_are_one_coded_error_before_validation(client: TestClient) -> None:
    overloaded = graphql(client, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert codes(overloaded) == ["TOO_MANY_DIRECTIVES"] and overloaded["errors"][0]["extensions"]["limit"] == 3
    # spread over many fields, each within its own limit: the document's limit
    many = "{ " + " ".join(f"a{n}: __typename @include(if: true)" for n in range(25)) + " " + " ".join(
        f"b{n}: __typename @skip(if: false)" for n in range(26)
    ) + " }"  # fmt: skip
    body = graphql(client, many)
    assert codes(body) == ["TOO_MANY_DIRECTIVES"] and body["errors"][0]["extensions"]["limit"] == 50
    # on fragments, spreads, variables and operations as well as fields
    hidden = "query q($v: Boolean @a @b @c @d) { ...F } fragment F on Query { __typename }"
    assert codes(graphql(client, hidden)) == ["TOO_MANY_DIRECTIVES"]
    allowed = graphql(client, "{ __typename @include(if: true) @skip(if: false) }")
    assert allowed == {"data": {"__typename": "Query"}}


def test_directive_limits_are_configurable(prepared: Path, tmp_path: Path) -> None:
    limits = QueryLimits(max_field_directives=1, max_directives=2)
    config = Config(data_dir=prepared, cache_dir=tmp_path, limits=limits)
    with TestClient(create_app(config)) as strict:
        assert codes(graphql(strict, "{ __typename @include(if: true) @skip(if: false) }")) == ["TOO_MANY_DIRECTIVES"]
        three = "{ a: __typename @include(if: true) b: __typename @include(if: true) c: __typename @skip(if: false) }"
        assert codes(graphql(strict, three)) == ["TOO_MANY_DIRECTIVES"]
        assert "errors" not in graphql(strict, "{ a: __typename @include(if: true) b: __typename @skip(if: false) }")
    configured = Config.from_env({"AFTERSALES_MAX_DIRECTIVES": "7", "AFTERSALES_MAX_FIELD_DIRECTIVES": "2"})
    assert configured.limits == replace(QueryLimits(), max_directives=7, max_field_directives=2)


def test_no_document_yields_more_than_a_few_validation_errors(client: TestClient) -> None:
    unknown = "{ " + " ".join(f"f{n}" for n in range(40)) + " }"
    body = graphql(client, unknown)
    assert len(body["errors"]) == QueryLimits().max_errors + 1
    assert body["errors"][-1]["message"] == "Too many validation errors, error limit reached. Validation aborted."
    assert set(codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
