"""Unexpected failures: the server stays up, keeps every piece of data it could get, and leaks nothing."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from catalog import Catalog
from config import Config
from server import create_app
from sources import Sources
from store.base import Store
from tests.api.conftest import graphql

SECRET = "password=hunter2 at /srv/dss/connection.py line 42"


class Broken:
    """A source system whose every batch call fails with an exception that names a secret."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        async def fail(*_: Any) -> Any:
            raise RuntimeError(SECRET)

        return fail


def breaking(source: str, name: str) -> Callable[[Store, Catalog], Sources]:
    """Sources over the store with `source` (a field of Sources) broken."""

    def sources_for(store: Store, catalog: Catalog) -> Sources:
        failing: dict[str, Any] = {source: Broken(name)}
        return replace(Sources.over(store, catalog), **failing)

    return sources_for


with_broken_history = breaking("service_history", "DSS/DMS")


@pytest.fixture
def broken(prepared: Path, tmp_path: Path) -> Iterator[Callable[[str], dict[str, Any]]]:
    app = create_app(Config(data_dir=prepared, cache_dir=tmp_path), sources_for=with_broken_history)
    with TestClient(app) as client:
        yield lambda query: graphql(client, query)


def test_internal_error_is_masked_with_a_request_id_that_is_logged(
    broken: Callable[[str], dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="aftersales"):
        body = broken('{ markets { code } vehicle(vin: "WXVZZZB8ZME456992") { vin serviceEvents { id } } }')
    assert len(body["data"]["markets"]) == 10, "independent data is still returned"
    assert body["data"]["vehicle"] == {"vin": "WXVZZZB8ZME456992", "serviceEvents": None}, "only the field is lost"
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert "hunter2" not in str(body) and "Traceback" not in str(body) and "RuntimeError" not in str(body)
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
    assert logged and logged[0].exc_info is not None and SECRET in str(logged[0].exc_info[1])


def test_the_server_keeps_answering_after_a_failure(broken: Callable[[str], dict[str, Any]]) -> None:
    broken('{ vehicle(vin: "WXVZZZB8ZME456992") { serviceEvents { id } } }')
    vin = "WXVZZZB8ZME456992"
    assert broken(f'{{ vehicle(vin: "{vin}") {{ vin }} }}') == {"data": {"vehicle": {"vin": vin}}}


def test_a_body_that_is_not_json_is_a_coded_error(client: TestClient) -> None:
    response = client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_JSON"


def test_get_serves_queries(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ markets { code } }"})
    assert response.status_code == 200
    assert len(response.json()["data"]["markets"]) == 10


def test_every_response_names_its_request_id(client: TestClient) -> None:
    first = client.post("/graphql", json={"query": "{ markets { code } }"}).headers["x-request-id"]
    second = client.post("/graphql", json={"query": "{ markets { code } }"}).headers["x-request-id"]
    assert len(first) == 32 and first != second


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {
        "status": "ready", "subscribers": 0, "vehicles": 120,
        "bus": {"backend": "memory", "status": "up", "malformedEntries": 0},
    }  # fmt: skip


def test_a_failing_source_fails_only_the_fields_that_read_it(broken: Callable[[str], dict[str, Any]]) -> None:
    body = broken(
        '{ vehicles(vins: ["WXVZZZB8ZME456992", "TXNZZZS1ZSK257787"]) { vin serviceEvents { id } } '
        'again: vehicles(vins: ["WXVZZZB8ZME456992"]) { vin contracts { id } } }'
    )
    # a history that cannot be loaded costs that field only; the vehicles and the other selection are kept
    assert body["data"]["vehicles"] == [
        {"vin": "WXVZZZB8ZME456992", "serviceEvents": None},
        {"vin": "TXNZZZS1ZSK257787", "serviceEvents": None},
    ]
    assert body["data"]["again"] == [{"vin": "WXVZZZB8ZME456992", "contracts": []}]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["vehicles", 0, "serviceEvents"], "INTERNAL"),
        (["vehicles", 1, "serviceEvents"], "INTERNAL"),
    ]


def test_an_internal_error_in_a_subscription_is_masked_like_over_http(prepared: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(prepared, data)  # recording writes a journal into the data set
    config = Config(data_dir=data, cache_dir=tmp_path / "cache")
    app = create_app(config, sources_for=breaking("service_contracts", "SCS"))
    subscription = "subscription { serviceEventRecorded { vin vehicle { vin contracts { id } } } }"
    record = """mutation { recordServiceEvent(input: {vin: "WXVZZZB8ZME456992", date: "2025-06-30", odometer: 79500,
        workshopCode: "DE-042", authorisedWorkshop: true, itemCodes: ["POLLEN_FILTER"]}) { id } }"""
    with TestClient(app) as client, client.websocket_connect("/graphql", ["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": subscription}})
        assert "errors" not in graphql(client, record)
        message = socket.receive_json()
    assert message["type"] == "next"
    payload = message["payload"]
    assert payload["data"]["serviceEventRecorded"]["vehicle"] == {"vin": "WXVZZZB8ZME456992", "contracts": None}
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "INTERNAL" and error["extensions"]["requestId"] in error["message"]
    assert "hunter2" not in str(message) and "RuntimeError" not in str(message)
