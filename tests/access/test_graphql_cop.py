"""graphql-cop's checks against `aftersales serve --production` with an administrator's key: no finding.

graphql-cop (the common GraphQL security auditor) is not a package one can install; each of its checks is
written out here as it sends it and as it decides that it found something (its `lib/tests/*.py`), the
credential in the header as `graphql-cop -H '{"Authorization": "ApiKey …"}'` sends it. A development server,
audited the same way, shows that the checks do find what they look for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.access.credentials import ADMIN, key_file
from tests.access.test_matrix import serve_logging
from tests.api.test_real_server import BIN

Check = Callable[[str, dict[str, str]], bool]


def query(url: str, headers: dict[str, str], payload: str, batch: bool = False) -> Any:
    """graphql-cop's graph_query: a JSON POST with operationName "cop" (or a list of ten)."""
    data: Any = [{"query": payload}] * 10 if batch else {"query": payload, "operationName": "cop"}
    return httpx.post(url, json=data, headers=headers, timeout=60)


def found(decide: Callable[[], Any]) -> bool:
    """graphql-cop's pattern: whatever raises (a missing key, a refusal without data) is no finding."""
    try:
        return bool(decide())
    except Exception:
        return False


def alias_overloading(url: str, headers: dict[str, str]) -> bool:
    aliases = "".join(f"alias{i}:__typename \n" for i in range(101))
    return found(lambda: query(url, headers, "query cop { " + aliases + " }").json()["data"]["alias100"])


def batch_queries(url: str, headers: dict[str, str]) -> bool:
    return found(lambda: len(query(url, headers, "query cop { __typename }", batch=True).json()) >= 10)


def circular_introspection(url: str, headers: dict[str, str]) -> bool:
    document = ("query cop { __schema { types { fields { type { fields { type { fields { type { fields { type "
                "{ name } } } } } } } } } } }")  # fmt: skip
    return found(lambda: len(query(url, headers, document).json()["data"]["__schema"]["types"]) > 25)


def directive_overloading(url: str, headers: dict[str, str]) -> bool:
    document = "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"
    return found(lambda: len(query(url, headers, document).json()["errors"]) == 10)


def field_duplication(url: str, headers: dict[str, str]) -> bool:
    document = "query cop { " + "__typename \n" * 500 + "} "
    return found(lambda: query(url, headers, document).json()["data"]["__typename"])


def field_suggestions(url: str, headers: dict[str, str]) -> bool:
    return found(lambda: "Did you mean" in query(url, headers, "query cop { __schema { directive } }").json()[
        "errors"][0]["message"])  # fmt: skip


def get_based_mutation(url: str, headers: dict[str, str]) -> bool:
    answer = httpx.get(url, params={"query": "mutation cop {__typename}"}, headers=headers, timeout=20)
    return found(lambda: answer.json()["data"]["__typename"])


def get_method_support(url: str, headers: dict[str, str]) -> bool:
    answer = httpx.get(url, params={"query": "query cop {__typename}"}, headers=headers, timeout=20)
    return found(lambda: answer.json()["data"]["__typename"])


def graphiql(url: str, headers: dict[str, str]) -> bool:
    answer = httpx.get(url, headers={**headers, "Accept": "text/html"}, timeout=20)
    heuristics = ("graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground")
    return any(word in answer.text for word in heuristics)


def introspection(url: str, headers: dict[str, str]) -> bool:
    document = "query cop { __schema { types { name fields { name } } } }"
    return found(lambda: query(url, headers, document).json()["data"]["__schema"]["types"])


def post_based_csrf(url: str, headers: dict[str, str]) -> bool:
    answer = httpx.post(url, data={"query": "query cop { __typename }"}, headers=headers, timeout=20)
    return found(lambda: answer.json()["data"]["__typename"])


def trace_mode(url: str, headers: dict[str, str]) -> bool:
    body = query(url, headers, "query cop { __typename }").json()
    return found(lambda: body["errors"][0]["extensions"]["tracing"]) or "'extensions': {'tracing':" in str(body).lower()


def unhandled_errors(url: str, headers: dict[str, str]) -> bool:
    body = query(url, headers, "qwerty cop { abc }").json()
    return found(lambda: body["errors"][0]["extensions"]["exception"]) or (
        "'extensions': {'exception':" in str(body).lower()
    )


CHECKS: dict[str, Check] = {
    "Alias Overloading": alias_overloading,
    "Array-based Query Batching": batch_queries,
    "Introspection-based Circular Query": circular_introspection,
    "Directive Overloading": directive_overloading,
    "Field Duplication": field_duplication,
    "Field Suggestions": field_suggestions,
    "Mutation is allowed over GET": get_based_mutation,
    "GET Method Query Support": get_method_support,
    "GraphQL IDE": graphiql,
    "Introspection": introspection,
    "POST based url-encoded query (possible CSRF)": post_based_csrf,
    "Trace Mode": trace_mode,
    "Unhandled Errors Detection": unhandled_errors,
}


def is_graphql(url: str, headers: dict[str, str]) -> bool:
    """graphql-cop audits only what it recognises as a GraphQL endpoint."""
    return bool(query(url, headers, "query cop { __typename }").json()["data"]["__typename"] == "Query")


def audit(url: str, headers: dict[str, str]) -> list[str]:
    assert is_graphql(url, headers), "the auditor would not recognise the endpoint"
    return [name for name, check in CHECKS.items() if check(url, headers)]


@pytest.fixture(scope="module")
def servers(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    directory = tmp_path_factory.mktemp("cop")
    env = {"AFTERSALES_CACHE_DIR": str(directory / "cache"), "AFTERSALES_API_KEYS": str(key_file(directory, [ADMIN]))}
    command = [str(BIN / "aftersales"), "serve", "--data", str(prepared)]
    production = serve_logging([*command, "--production"], env, directory / "production.log")
    development = serve_logging(command, {**env, "AFTERSALES_API_KEYS": ""}, directory / "development.log")
    urls = {"production": next(production) + "/graphql", "development": next(development) + "/graphql"}
    yield urls
    for server in (production, development):
        server.close()


def test_production_with_an_admin_credential_has_no_finding(servers: dict[str, str]) -> None:
    assert audit(servers["production"], ADMIN.header) == []


def test_the_checks_find_what_development_shows_on_purpose(servers: dict[str, str]) -> None:
    # introspection, suggestions, the IDE and free-text GET are development's tools; the rest stays closed there too
    # (graphql-core's own rule bounds the depth of introspection, so the circular query finds nothing even there)
    assert audit(servers["development"], {}) == [
        "Field Suggestions", "GET Method Query Support", "GraphQL IDE", "Introspection",
    ]  # fmt: skip


def test_without_a_credential_production_answers_every_check_with_401(servers: dict[str, str]) -> None:
    answer = query(servers["production"], {}, "query cop { __typename }")
    assert answer.status_code == 401 and answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
