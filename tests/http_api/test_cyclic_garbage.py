"""A planned request leaves no cyclic garbage: what it loaded is freed by reference counting as it ends, so the
collector has nothing of it to walk (its pauses over every request's leftovers were the slowest answers)."""

from __future__ import annotations

import asyncio
import gc
import shutil
from pathlib import Path
from typing import Any

import orjson

from config import Config
from server import create_app
from tests.api.fuzzing import KNOWN_VINS
from tests.api.test_fast_path import ONE_VEHICLE

BODY = orjson.dumps({"query": ONE_VEHICLE, "variables": {"vin": KNOWN_VINS[0]}})
SCOPE = {
    "type": "http", "method": "POST", "path": "/graphql", "query_string": b"", "http_version": "1.1",
    "headers": [(b"content-type", b"application/json"), (b"host", b"test")], "scheme": "http",
    "server": ("test", 80), "client": ("127.0.0.1", 1), "root_path": "", "asgi": {"version": "3.0"},
}  # fmt: skip


async def answer(app: Any) -> bytes:
    messages = [{"type": "http.request", "body": BODY, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({**SCOPE, "state": {}}, receive, send)
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_planned_requests_leave_nothing_for_the_collector(prepared: Path, tmp_path: Path) -> None:
    shutil.copytree(prepared, tmp_path / "data")
    app = create_app(Config(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"))

    async def scenario() -> tuple[int, bytes]:
        async with app.router.lifespan_context(app):
            await answer(app)  # the document's parse, validation and plan are cached once
            gc.collect()
            gc.disable()
            try:
                bodies = [await answer(app) for _ in range(20)]
                return gc.collect(), bodies[-1]
            finally:
                gc.enable()

    garbage, body = asyncio.run(scenario())
    assert orjson.loads(body)["data"]["vehicle"]["engine"]["oilNorms"], body
    assert garbage == 0
