"""A small prepared data set (the first 120 vehicles of seed 42) and an HTTP client on the application."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from catalog import default_catalog
from config import Config
from generator.command import write_delivery
from preparation.command import import_delivery
from server import create_app

SEED, VEHICLES = 42, 120


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    write_delivery(SEED, VEHICLES, root / "raw")
    import_delivery(root / "raw", root / "prepared", default_catalog())
    return root / "prepared"


@pytest.fixture(scope="session")
def vins(prepared: Path) -> list[str]:
    import json

    return [json.loads(line)["vin"] for line in (prepared / "vehicles.jsonl").read_text().splitlines()]


@pytest.fixture
def config(prepared: Path, tmp_path: Path) -> Config:
    return Config(data_dir=prepared, cache_dir=tmp_path / "cache")


@pytest.fixture
def client(config: Config) -> Iterator[TestClient]:
    with TestClient(create_app(config)) as test_client:
        yield test_client


def graphql(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
