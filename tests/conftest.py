"""Shared by the API and AWS tests: the first 120 vehicles of seed 42 (raw and prepared) and a client on them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from catalog import default_catalog
from config import Config
from generator.command import write_delivery
from preparation.pipeline import import_delivery
from server import create_app
from store import versions

SEED, VEHICLES = 42, 120


@pytest.fixture(scope="session")
def raw_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("raw")
    write_delivery(SEED, VEHICLES, directory)
    return directory


@pytest.fixture(scope="session")
def prepared(raw_delivery: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("data") / "prepared"
    import_delivery(raw_delivery, directory, default_catalog())
    return directory


@pytest.fixture(scope="session")
def vins(prepared: Path) -> list[str]:
    lines = (versions.served(prepared) / "vehicles.jsonl").read_text().splitlines()
    return [json.loads(line)["vin"] for line in lines]


@pytest.fixture
def config(prepared: Path, tmp_path: Path) -> Config:
    return Config(data_dir=prepared, cache_dir=tmp_path / "cache")


@pytest.fixture
def client(config: Config) -> Iterator[TestClient]:
    """The application on the embedded backend, over HTTP (lifespan included)."""
    with TestClient(create_app(config)) as test_client:
        yield test_client
