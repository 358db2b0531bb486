"""The subscriptions gauge rises with a real WebSocket subscription and falls when it ends."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from config import Config
from server import create_app
from tests.events.ws_client import SUBSCRIBE
from tests.observability.conftest import metrics, sample


def subscriptions_once(client: TestClient, expected: float) -> float:
    """The gauge, read until it shows `expected` (the hub takes the subscription a moment after the message)."""
    deadline = time.monotonic() + 5
    while True:
        found = sample(metrics(client), "aftersales_subscriptions")
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_the_gauge_counts_open_subscriptions(config: Config) -> None:
    with TestClient(create_app(config)) as client:
        assert subscriptions_once(client, 0) == 0
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
            socket.send_json({"type": "connection_init"})
            assert socket.receive_json()["type"] == "connection_ack"
            socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            assert subscriptions_once(client, 1) == 1
            socket.send_json({"id": "1", "type": "complete"})
            assert subscriptions_once(client, 0) == 0
