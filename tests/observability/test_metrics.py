"""/metrics after real requests to the application, on both execution paths: the counters move by exactly what was
sent, a fleet of N vehicles is one batch of N per source, operation names are capped, and in production only an
admin (or the metrics port) sees the figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from catalog import Catalog
from config import Config, ObservabilitySettings
from server import create_app
from sources import Sources
from sources.service_history import ServiceHistory
from store import tables
from store.base import Store
from tests.access.credentials import ADMIN, Client, with_keys
from tests.observability.conftest import metrics, sample, scraped
from tests.processes import free_port
from tests.sources.test_unavailable import FailingStore

FLEET = "query Fleet($vins: [String!]!) { vehicles(vins: $vins) { vin engine { code oilNorms { code } } " \
        "serviceEvents { date } } }"  # fmt: skip
SHOP = Client("shop-1", "shop-key-0123456789abcdef", "shop")


def ask(client: TestClient, query: str, variables: dict[str, object] | None = None,
        headers: dict[str, str] | None = None) -> None:  # fmt: skip
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "graphql-core"])
def test_counters_move_by_what_was_sent(config: Config, vins: list[str], fast_path: bool) -> None:
    fleet = vins[:40]
    with TestClient(create_app(replace(config, fast_path=fast_path))) as client:
        before = metrics(client)
        for _ in range(3):
            ask(client, FLEET, {"vins": fleet})
        for _ in range(2):
            ask(client, '{ vehicle(vin: "NOT-A-VIN") { vin } }')
        after = metrics(client)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("aftersales_requests_total", operation="Fleet", outcome="ok") == 3
    assert moved("aftersales_requests_total", operation="unnamed", outcome="INVALID_VIN_FORMAT") == 2
    assert moved("aftersales_request_duration_seconds_count", operation="Fleet") == 3
    assert moved("aftersales_source_requests_total", source="VMS", outcome="ok") == 3
    assert moved("aftersales_source_requests_total", source="DSS/DMS", outcome="ok") == 3
    assert moved("aftersales_source_duration_seconds_count", source="VMS") == 3
    # one batch of 40 per request, not 40 batches of one
    assert moved("aftersales_loader_batch_size_count", loader="VehicleByVinLoader") == 3
    assert moved("aftersales_loader_batch_size_sum", loader="VehicleByVinLoader") == 3 * len(fleet)
    assert moved("aftersales_loader_batch_size_bucket", loader="VehicleByVinLoader", le="20.0") == 0
    assert moved("aftersales_loader_batch_size_bucket", loader="VehicleByVinLoader", le="50.0") == 3
    assert moved("aftersales_loader_batch_size_count", loader="ServiceEventsByVinLoader") == 3
    assert moved("aftersales_loader_batch_size_count", loader="EngineByCodeLoader") == 3
    assert moved("aftersales_loader_batch_size_count", loader="OilNormByCodeLoader") == 3


def test_operation_names_past_the_cap_are_other(config: Config, vins: list[str]) -> None:
    capped = replace(config, observability=ObservabilitySettings(max_operations=2))
    with TestClient(create_app(capped)) as client:
        for name in ("One", "Two", "Three", "Four", "One"):
            ask(client, f'query {name} {{ vehicle(vin: "{vins[0]}") {{ vin }} }}')
        samples = metrics(client)
    counted = {dict(labels)["operation"]: value for (name, labels), value in samples.items()
               if name == "aftersales_requests_total"}  # fmt: skip
    assert counted == {"One": 2, "Two": 1, "other": 2}


def with_failing_history(store: Store, catalog: Catalog) -> Sources:
    failing: Any = FailingStore(tables.SERVICE_HISTORY.suffix)
    return replace(Sources.over(store, catalog), service_history=ServiceHistory(failing))


def test_a_failing_source_is_counted_as_unavailable(config: Config, vins: list[str]) -> None:
    with TestClient(create_app(config, sources_for=with_failing_history)) as client:
        ask(client, FLEET, {"vins": vins[:5]})
        samples = metrics(client)
    assert sample(samples, "aftersales_source_requests_total", source="DSS/DMS", outcome="unavailable") == 1
    assert sample(samples, "aftersales_source_requests_total", source="VMS", outcome="ok") == 1
    assert sample(samples, "aftersales_requests_total", operation="Fleet", outcome="SOURCE_UNAVAILABLE") == 1


def test_in_production_only_an_admin_sees_the_metrics(config: Config, tmp_path: Path) -> None:
    production = replace(with_keys(config, tmp_path, [ADMIN, SHOP]), production=True)
    with TestClient(create_app(production)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=SHOP.header).status_code == 403
        answer = client.get("/metrics", headers=ADMIN.header)
        assert answer.status_code == 200
        assert any(name == "aftersales_subscriptions" for name, _ in scraped(answer.text))


def test_the_metrics_port_serves_them_without_credentials(config: Config, tmp_path: Path, vins: list[str]) -> None:
    port = free_port()
    production = replace(with_keys(config, tmp_path, [ADMIN]), production=True,
                         observability=ObservabilitySettings(metrics_port=port))  # fmt: skip
    with TestClient(create_app(production)) as client:
        ask(client, f'query One {{ vehicle(vin: "{vins[0]}") {{ vin }} }}', headers=ADMIN.header)
        answer = httpx2.get(f"http://127.0.0.1:{port}/metrics")
        assert answer.status_code == 200
        samples = scraped(answer.text)
        assert sample(samples, "aftersales_requests_total", operation="One", outcome="ok") == 1
        assert httpx2.get(f"http://127.0.0.1:{port}/graphql").status_code == 404
    with pytest.raises(httpx2.ConnectError):  # closed with the application
        httpx2.get(f"http://127.0.0.1:{port}/metrics")


def test_metrics_off_serve_no_page(config: Config) -> None:
    with TestClient(create_app(replace(config, observability=ObservabilitySettings(metrics=False)))) as client:
        assert client.get("/metrics").status_code == 404
