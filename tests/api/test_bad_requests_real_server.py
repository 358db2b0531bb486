"""Every client mistake sent, many at once, to a real server process: each a coded JSON 4xx, and the server stays up."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.bad_requests import BAD_REQUESTS, BadRequest
from tests.api.test_real_server import BIN, serve

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
ROUNDS = 3


@pytest.fixture
def server(prepared: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    yield from serve(
        [str(BIN / "aftersales"), "serve", "--data", str(prepared)], {"AFTERSALES_CACHE_DIR": str(tmp_path)}
    )


def send(url: str, bad: BadRequest) -> tuple[int, str, str, Any]:
    """Exactly the bytes and headers of `bad` (http.client adds only Host, Content-Length and Accept-Encoding)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    try:
        connection.request(bad.method, bad.path, body=bad.body, headers=bad.headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        return response.status, response.getheader("content-type", ""), response.getheader("x-request-id", ""), body
    finally:
        connection.close()


def leave_mid_body(url: str) -> None:
    """A client that announces a body and disconnects after part of it."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as client:
        client.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b'Content-Length: 1000\r\n\r\n{"query": "{ __ty')  # fmt: skip


def test_a_real_server_answers_every_mistake_with_a_code_and_stays_up(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, process = server
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda bad: (bad, send(url, bad)), BAD_REQUESTS * ROUNDS))
    for bad, (status, content_type, request_id, body) in answers:
        assert (status, [e["extensions"]["code"] for e in body["errors"]]) == (bad.status, [bad.code]), bad.name
        assert content_type.startswith("application/json") and REQUEST_ID.fullmatch(request_id), bad.name
    assert len({request_id for _, (_, _, request_id, _) in answers}) == len(answers), "one id per request"
    for _ in range(ROUNDS):
        leave_mid_body(url)
    assert process.poll() is None
    with urllib.request.urlopen(url + "/healthz", timeout=10) as health:
        assert json.loads(health.read()) == {"status": "ok"}
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert process.stderr is not None
    log = process.stderr.read().decode()
    assert "Traceback" not in log and "Exception in ASGI application" not in log
