"""A minimal graphql-transport-ws client over the `websockets` library, for tests against a real server."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

SUBSCRIBE = """subscription($filter: ServiceEventFilter, $after: String) {
  serviceEventRecorded(filter: $filter, after: $after) { cursor vin event { id odometer items { code } }
    vehicle { vin model { code } serviceEvents { id } } } }"""


class Subscriber:
    """One socket with one subscription; `next()` returns the next notification, `error` holds an error message."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    @classmethod
    async def open(
        cls, url: str, filter: dict[str, Any] | None = None, after: str | None = None, **connect_options: Any
    ) -> Subscriber:
        protocols = [Subprotocol("graphql-transport-ws")]
        socket = await connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=protocols, **connect_options)
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        variables = {"filter": filter, "after": after}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE,
                                                                                "variables": variables}}))  # fmt: skip
        return cls(socket)

    async def message(self) -> dict[str, Any]:
        raw = await self.socket.recv()
        assert isinstance(raw, str), "messages are text frames"
        message: dict[str, Any] = json.loads(raw)
        return message

    async def next(self) -> dict[str, Any]:
        message = await self.message()
        assert message["type"] == "next", message
        notification: dict[str, Any] = message["payload"]["data"]["serviceEventRecorded"]
        return notification

    async def close(self) -> None:
        await self.socket.close()
