"""Generated requests, valid and invalid, from the served schema: every answer is a clean answer or a coded refusal.

No INTERNAL, no 5xx, no exception text, no long echo of the input, through the ASGI application and through a real
server process. Mutations write to a copy of the data set. bench/fuzz.py runs many more.
"""

from __future__ import annotations

import shutil
import sys
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from config import Config
from server import create_app
from tests.api.fuzzing import KNOWN_VINS, Request, problems, requests
from tests.processes import HOST, LoopbackServer

STRATEGY = requests(KNOWN_VINS)
FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


@pytest.fixture(scope="module")
def data_copy(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Recorded events and archived quotes go to a throwaway copy of the data set."""
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(prepared, directory / "data")
    return directory


@pytest.fixture(scope="module")
def fuzz_client(data_copy: Path) -> Iterator[TestClient]:
    config = Config(data_dir=data_copy / "data", cache_dir=data_copy / "cache")
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        yield client


def test_the_known_vins_are_in_the_data_set(vins: list[str]) -> None:
    assert set(KNOWN_VINS) <= set(vins), "the generated requests reach real vehicles"


@FUZZ
@given(request=STRATEGY)
def test_generated_requests_through_the_application(fuzz_client: TestClient, request: Request) -> None:
    response = fuzz_client.post("/graphql", json=request)
    assert problems(response.status_code, response.content) == [], request


class AftersalesServer(LoopbackServer):
    """`aftersales serve` on a data set, the rest of its configuration from the environment."""

    name = "aftersales server"

    def __init__(self, data: Path) -> None:
        super().__init__(start_timeout=60)
        self.data = data

    def command(self, port: int) -> list[str]:
        return [str(Path(sys.executable).parent / "aftersales"), "serve", "--data", str(self.data), "--port", str(port)]

    def answers(self, port: int) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=1) as response:
            return bool(response.status == HTTPStatus.OK)


def test_a_sample_through_a_real_server_process(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_CACHE_DIR", str(data_copy / "cache"))
    with AftersalesServer(data_copy / "data") as server, httpx2.Client(timeout=30) as http:
        url = f"http://{HOST}:{server.port}/graphql"

        @settings(FUZZ, max_examples=60)
        @given(request=STRATEGY)
        def check(request: Request) -> None:
            response = http.post(url, json=request)
            assert problems(response.status_code, response.content) == [], request

        check()
        assert server.running, "the server is still up"
