"""A real server process on a free loopback port: `aftersales serve` and `uvicorn server:app`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not become ready")


def post(url: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url + "/graphql", data=json.dumps({"query": query}).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.loads(response.read())
        return body


def serve(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, process)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


@pytest.fixture
def aftersales_serve(prepared: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    yield from serve(
        [str(BIN / "aftersales"), "serve", "--data", str(prepared)], {"AFTERSALES_CACHE_DIR": str(tmp_path)}
    )


@pytest.fixture
def uvicorn_app(prepared: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {"AFTERSALES_DATA": str(prepared), "AFTERSALES_CACHE_DIR": str(tmp_path)}
    yield from serve([sys.executable, "-m", "uvicorn", "server:app"], env)


def test_aftersales_serve_answers_and_stops_cleanly_on_sigterm(
    aftersales_serve: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = aftersales_serve
    body = post(url, '{ vehicle(vin: "WXVZZZB8ZME456992") { vin model { code } } }')
    assert body == {"data": {"vehicle": {"vin": "WXVZZZB8ZME456992", "model": {"code": "VRN-BLT-8"}}}}
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped
    assert process.wait(timeout=20) in (0, -signal.SIGTERM)
    assert process.stderr is not None
    log_lines = [json.loads(line) for line in process.stderr.read().decode().splitlines() if line.startswith("{")]
    messages = [line["message"] for line in log_lines]
    assert any("serving 120 vehicles" in m for m in messages), "structured JSON log lines"
    assert "Application shutdown complete." in messages


def test_uvicorn_server_app_serves_the_configured_data(uvicorn_app: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = uvicorn_app
    assert post(url, "{ brands { code } }")["data"]["brands"][0] == {"code": "VRN"}
