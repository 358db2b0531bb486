"""No N+1: one batch per source per level, whatever the number of VINs (counted at the source boundary)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import fields
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

QUERY = """query($vins: [String!]!) { vehicles(vins: $vins) {
  vin
  engine { code oilNorms { code issuer } }
  serviceEvents { id items { code name } }
  contracts { id status }
  openCampaigns { code }
  serviceQuote(input: {quoteDate: "2027-06-30", odometer: 400000}) {
    positions { ref part { partNumber } } totals { net }
  }
} }"""


class Counting:
    """Wraps one source and counts calls of its async batch methods."""

    def __init__(self, source: Any, calls: Counter[str]) -> None:
        self._source = source
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._source, name)

        async def counted(keys: Any) -> Any:
            self._calls[f"{self._source.name}.{name}"] += 1
            return await method(keys)

        return counted


def counting_sources(calls: Counter[str]) -> Callable[[Store, Catalog], Sources]:
    def build(store: Store, catalog: Catalog) -> Sources:
        real = Sources.over(store, catalog)
        wrapped: dict[str, Any] = {f.name: Counting(getattr(real, f.name), calls) for f in fields(Sources)}
        return Sources(**wrapped)

    return build


@pytest.fixture
def counted(prepared: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Counter[str]]]:
    calls: Counter[str] = Counter()
    app = create_app(Config(data_dir=prepared, cache_dir=tmp_path), sources_for=counting_sources(calls))
    with TestClient(app) as client:
        yield client, calls


ONE_BATCH_EACH = {
    "VMS.vehicles_by_vin": 1,
    "TDS.engines_by_code": 1,
    "TDS.oil_norms_by_code": 1,
    "DSS/DMS.events_by_vin": 1,
    "SCS.contracts_by_vin": 1,
    "TCS.assignments_by_vin": 1,
    "EPC.parts_by_number": 1,
}


@pytest.mark.parametrize("count", [1, 10, 100])
def test_one_batch_per_source_per_level(counted: tuple[TestClient, Counter[str]], vins: list[str], count: int) -> None:
    client, calls = counted
    # two years after the data set and at 400,000 every oil service is due: part lines exist at every size
    body = graphql(client, QUERY, {"vins": vins[:count]})
    assert "errors" not in body
    vehicles = body["data"]["vehicles"]
    assert len(vehicles) == count
    assert any(p["part"] for p in vehicles[0]["serviceQuote"]["positions"])
    assert dict(calls) == ONE_BATCH_EACH


def test_loaders_are_fresh_per_request(counted: tuple[TestClient, Counter[str]], vins: list[str]) -> None:
    client, calls = counted
    for _ in range(2):
        graphql(client, "query($v: [String!]!) { vehicles(vins: $v) { vin } }", {"v": vins[:3]})
    assert calls["VMS.vehicles_by_vin"] == 2
