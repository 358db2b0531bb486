"""The request path's gates, each with its code and status: persisted and trusted documents, the cost budget, the
principal's rate, the deadline, the requests in progress, security headers, CORS, development's local admin, logs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import graphiql
from access.api_keys import AccessConfigError
from catalog import Catalog
from config import Config, ConfigError, QueryLimits
from logs import JsonFormatter
from server import create_app
from sources import Sources
from store.base import Store
from tests.access.credentials import ADMIN, Client, with_keys
from tests.api.test_batching import counting_sources

VIN = "WXVZZZB8ZME456992"
SMALL = f'{{ vehicle(vin: "{VIN}") {{ vin brand {{ code }} }} }}'
QUOTE = '{ quoteDate: "2025-06-30", odometer: 75000 }'


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query_hash: str, query: str | None = None, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": query_hash}}, **more}
    if query is not None:
        body["query"] = query
    return body


def code(response: Any) -> str:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    value: str = errors[0]["extensions"]["code"]
    return value


@pytest.fixture
def app_for(config: Config, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """A client of an application with the given access settings (and sources), lifespan included."""
    clients: list[TestClient] = []

    def make(sources_for: Callable[[Store, Catalog], Sources] = Sources.over, limits: QueryLimits | None = None,
             **access: Any) -> TestClient:  # fmt: skip
        settings = replace(config, access=replace(config.access, **access), limits=limits or config.limits)
        client = TestClient(create_app(settings, sources_for=sources_for))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_an_automatic_persisted_query_is_registered_once_then_sent_by_hash(client: TestClient) -> None:
    missing = client.post("/graphql", json=persisted(sha(SMALL)))
    assert missing.status_code == 404 and code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    registered = client.post("/graphql", json=persisted(sha(SMALL), SMALL))
    by_hash = client.post("/graphql", json=persisted(sha(SMALL)))
    assert registered.status_code == by_hash.status_code == 200
    assert by_hash.json() == registered.json() == {"data": {"vehicle": {"vin": VIN, "brand": {"code": "VRN"}}}}
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha(SMALL)}})
    assert client.get("/graphql", params={"extensions": extensions}).json() == registered.json()


@pytest.mark.parametrize(
    "body",
    [
        persisted(sha("{ __typename }"), SMALL),
        {"query": SMALL, "extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(SMALL)}}},
        {"extensions": {"persistedQuery": {"version": 1}}},
        {"extensions": {"persistedQuery": "abc"}},
    ],
)
def test_a_persisted_query_that_does_not_add_up_is_a_bad_request(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/graphql", json=body)
    assert response.status_code == 400 and code(response) == "BAD_REQUEST"


def manifest(tmp_path: Path, operations: dict[str, str]) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": sha(body), "name": name, "type": "query", "body": body}
                       for name, body in operations.items()],
    }))  # fmt: skip
    return path


def test_in_trusted_only_mode_only_the_manifest_runs(app_for: Callable[..., TestClient], tmp_path: Path) -> None:
    trusted = app_for(trusted_documents=manifest(tmp_path, {"Vehicle": SMALL}), trusted_only=True)
    assert trusted.post("/graphql", json=persisted(sha(SMALL))).json()["data"]["vehicle"]["vin"] == VIN
    in_the_list = trusted.post("/graphql", json={"query": SMALL})
    assert in_the_list.json()["data"]["vehicle"]["vin"] == VIN, "a free-text document whose body is in the list"
    free = trusted.post("/graphql", json={"query": "{ markets { code } }"})
    assert free.status_code == 403 and code(free) == "PERSISTED_QUERY_NOT_IN_LIST"
    registering = trusted.post("/graphql", json=persisted(sha("{ brands { code } }"), "{ brands { code } }"))
    assert registering.status_code == 403 and code(registering) == "PERSISTED_QUERY_NOT_IN_LIST"
    unknown = trusted.post("/graphql", json=persisted("f" * 64))
    assert unknown.status_code == 404 and code(unknown) == "PERSISTED_QUERY_NOT_FOUND"


def test_trusted_only_needs_a_manifest_and_a_broken_manifest_stops_the_start(config: Config, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AFTERSALES_TRUSTED_DOCUMENTS"):
        Config.from_env({"AFTERSALES_TRUSTED_ONLY": "true"})
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "something else", "version": 1, "operations": []}))
    with pytest.raises(AccessConfigError, match="apollo-persisted-query-manifest"):
        create_app(replace(config, access=replace(config.access, trusted_documents=broken)))


def test_a_document_over_the_budget_is_refused_before_any_source_is_called(
    app_for: Callable[..., TestClient], vins: list[str]
) -> None:
    calls: Counter[str] = Counter()
    client = app_for(sources_for=counting_sources(calls), limits=QueryLimits(max_cost=100))
    quotes = " ".join(f"q{n}: serviceQuote(input: {QUOTE}) {{ currency }}" for n in range(3))
    document = f"query($vins: [String!]!) {{ vehicles(vins: $vins) {{ {quotes} }} }}"
    response = client.post("/graphql", json={"query": document, "variables": {"vins": vins[:10]}})
    error = response.json()["errors"][0]
    # 10 vehicles × (1 for the vehicle + 3 quotes × 50, the quote object included); leaves are free
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 10 * (1 + 3 * 50), "maxCost": 100}
    assert response.json().get("data") is None and calls == Counter()


def test_the_cost_of_an_accepted_operation_is_reported_when_asked_for(client: TestClient) -> None:
    asked = client.post("/graphql", json={"query": SMALL, "extensions": {"cost": True}}).json()
    # the vehicle and its brand: two objects, leaves are free
    assert asked["extensions"]["cost"] == {"requested": 2, "maxCost": QueryLimits().max_cost}
    assert "extensions" not in client.post("/graphql", json={"query": SMALL}).json()


def test_the_readme_shop_query_is_admitted_and_29_quotes_per_vehicle_are_not(
    client: TestClient, vins: list[str]
) -> None:
    from bench.validation import SHOP

    shop = client.post("/graphql", json={"query": SHOP}).json()
    assert "errors" not in shop or "QUERY_TOO_COSTLY" not in {e["extensions"]["code"] for e in shop["errors"]}
    quotes = " ".join(f"q{n}: serviceQuote(input: {QUOTE}) {{ positions {{ net }} totals {{ payable }} }}"
                      for n in range(29))  # fmt: skip
    document = f"query($vins: [String!]!) {{ vehicles(vins: $vins) {{ {quotes} }} }}"
    heavy = client.post("/graphql", json={"query": document, "variables": {"vins": (vins * 2)[:100]}})
    assert code(heavy) == "QUERY_TOO_COSTLY"


def test_each_principal_has_its_own_rate(app_for: Callable[..., TestClient], tmp_path: Path) -> None:
    slow, other = Client("slow", "slow-key", "frontend", rate=1), Client("other", "other-key", "frontend")
    client = app_for(api_keys=with_keys(Config(), tmp_path, [slow, other]).access.api_keys)
    answers = [client.post("/graphql", json={"query": "{ __typename }"}, headers=slow.header) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429], "a burst of twice the rate, then refused"
    assert code(answers[2]) == "RATE_LIMITED" and int(answers[2].headers["retry-after"]) >= 1
    assert client.post("/graphql", json={"query": "{ __typename }"}, headers=other.header).status_code == 200


class Slow:
    """A source whose every batch takes `seconds`."""

    def __init__(self, source: Any, seconds: float) -> None:
        self._source, self._seconds = source, seconds

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._source, name)

        async def slow(keys: Any) -> Any:
            await asyncio.sleep(self._seconds)
            return await method(keys)

        return slow


def slow_sources(seconds: float) -> Callable[[Store, Catalog], Sources]:
    def build(store: Store, catalog: Catalog) -> Sources:
        real = Sources.over(store, catalog)
        slow: dict[str, Any] = {f.name: Slow(getattr(real, f.name), seconds) for f in fields(Sources)}
        return Sources(**slow)

    return build


def test_a_request_past_its_deadline_is_stopped_and_the_server_serves_on(app_for: Callable[..., TestClient]) -> None:
    client = app_for(sources_for=slow_sources(3), request_timeout_seconds=0.3)
    response = client.post("/graphql", json={"query": SMALL})
    assert response.status_code == 504 and code(response) == "REQUEST_TIMEOUT"
    assert client.get("/healthz").status_code == 200
    assert client.post("/graphql", json={"query": "{ markets { code } }"}).status_code == 200


def test_requests_beyond_those_in_progress_are_refused_at_once_with_503(app_for: Callable[..., TestClient]) -> None:
    client = app_for(sources_for=slow_sources(0.5), max_concurrent_requests=2)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(client.post("/graphql", json={"query": SMALL}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 503]
    assert client.post("/graphql", json={"query": SMALL}).status_code == 200, "a slot is free again"


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.post("/graphql", json={"query": SMALL}), client.get("/nowhere"), client.get("/healthz"),
                     client.post("/graphql", content=b"{")):  # fmt: skip
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]


def test_the_graphiql_page_may_run_its_own_scripts_and_no_other(client: TestClient) -> None:
    page = client.get("/graphql", headers={"accept": "text/html"})
    policy = page.headers["content-security-policy"]
    (inline,) = re.findall(r"<script>(.*?)</script>", graphiql.PAGE.read_text(), re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy


def test_cross_origin_requests_come_only_from_the_allowlist(app_for: Callable[..., TestClient]) -> None:
    client = app_for(cors_origins=("https://shop.example.test",))
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}
    allowed = client.options("/graphql", headers={"origin": "https://shop.example.test", **preflight})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example.test"
    refused = client.options("/graphql", headers={"origin": "https://evil.example.test", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    simple = client.post("/graphql", json={"query": SMALL}, headers={"origin": "https://evil.example.test"})
    assert "access-control-allow-origin" not in simple.headers


def test_development_without_credentials_configured_is_the_local_admin_and_says_so(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="aftersales"), TestClient(create_app(config)) as client:
        body = client.post("/graphql", json={"query": f'{{ vehicle(vin: "{VIN}") {{ serviceQuote(input: {QUOTE}) '
                                                      "{ currency } } }"}).json()  # fmt: skip
    assert body["data"]["vehicle"]["serviceQuote"]["currency"] == "EUR"
    assert [r.getMessage() for r in caplog.records if "local admin" in r.getMessage()] == [
        "no API keys and no token issuer configured: requests without credentials act as the local admin"
    ]


def test_development_with_keys_configured_needs_them(config: Config, tmp_path: Path) -> None:
    with TestClient(create_app(with_keys(config, tmp_path, [ADMIN]))) as client:
        response = client.post("/graphql", json={"query": SMALL})
        assert response.status_code == 401 and code(response) == "UNAUTHENTICATED"
        assert client.post("/graphql", json={"query": SMALL}, headers=ADMIN.header).status_code == 200


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The server's log lines as the JSON formatter writes them, formatted as they are logged."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("aftersales")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


class Failing:
    def __init__(self, source: Any) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:
        async def fail(keys: Any) -> Any:
            from sources.base import SourceUnavailable

            raise SourceUnavailable(self._source.name, "down for the test")

        return fail


def test_every_log_line_of_a_request_names_its_principal_role_and_operation(
    config: Config, tmp_path: Path, json_log: io.StringIO
) -> None:
    def failing_history(store: Store, catalog: Catalog) -> Sources:
        real = Sources.over(store, catalog)
        return replace(real, service_history=Failing(real.service_history))  # type: ignore[arg-type]

    app = create_app(with_keys(config, tmp_path, [Client("shop-9", "secret-shop-key", "shop")]),
                     sources_for=failing_history)  # fmt: skip
    query = f'query History {{ vehicle(vin: "{VIN}") {{ serviceEvents {{ id }} }} }}'
    with TestClient(app) as client:
        body = client.post("/graphql", json={"query": query}, headers={"Authorization": "ApiKey secret-shop-key"})
    assert [e["extensions"]["code"] for e in body.json()["errors"]] == ["SOURCE_UNAVAILABLE"]
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    during = [line for line in lines if "requestId" in line]
    assert during and all(
        (line["principal"], line["role"], line["operation"]) == ("shop-9", "shop", "History") for line in during
    )
    assert "secret-shop-key" not in json_log.getvalue()


def operation_over_socket(client: TestClient, payloads: list[dict[str, Any]], authorization: str | None = None
                          ) -> list[dict[str, Any]]:  # fmt: skip
    """The first message answering each operation, sent one after another on one socket."""
    answers = []
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        credentials = {"Authorization": authorization} if authorization else {}
        socket.send_json({"type": "connection_init", "payload": credentials})
        assert socket.receive_json()["type"] == "connection_ack"
        for n, payload in enumerate(payloads):
            socket.send_json({"id": str(n), "type": "subscribe", "payload": payload})
            answer = socket.receive_json()
            if answer["type"] == "next":
                assert socket.receive_json()["type"] == "complete"
            answers.append(answer)
    return answers


def test_over_the_websocket_only_trusted_documents_run_in_trusted_only_mode(
    app_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    markets = "{ markets { code } }"
    client = app_for(trusted_documents=manifest(tmp_path, {"Markets": markets}), trusted_only=True)
    free, by_id, unknown = operation_over_socket(client, [
        {"query": "{ brands { code } }"},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(markets)}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "e" * 64}}},
    ])  # fmt: skip
    assert free["type"] == "error" and free["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert by_id["type"] == "next" and by_id["payload"]["data"]["markets"][0]["code"]
    assert unknown["type"] == "error" and unknown["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_over_the_websocket_each_operation_counts_against_the_principals_rate(
    app_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    slow = Client("slow", "slow-key", "partner", rate=1)
    client = app_for(api_keys=with_keys(Config(), tmp_path, [slow]).access.api_keys)
    answers = operation_over_socket(client, [{"query": "{ __typename }"}] * 3, slow.header["Authorization"])
    assert [a["type"] for a in answers] == ["next", "next", "error"]
    assert answers[2]["payload"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_over_the_websocket_an_operation_over_the_budget_is_refused_before_it_runs(
    app_for: Callable[..., TestClient],
) -> None:
    client = app_for(limits=QueryLimits(max_cost=3))
    two = f'{{ vehicles(vins: ["{VIN}", "{VIN}"]) {{ brand {{ code }} model {{ code }} }} }}'
    subscription = (
        "subscription { serviceEventRecorded { vin vehicle { brand { code } model { code } market { code } } } }"
    )
    answers = operation_over_socket(client, [{"query": two}, {"query": subscription}])
    # two vehicles × (1 + brand + model); the notification, its vehicle, brand, model and market
    assert [a["payload"][0]["extensions"] for a in answers] == [
        {"code": "QUERY_TOO_COSTLY", "cost": 6, "maxCost": 3},
        {"code": "QUERY_TOO_COSTLY", "cost": 5, "maxCost": 3},
    ]
