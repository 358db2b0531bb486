"""The subscription WebSocket under hostile input, against real server processes and a real WebSocket client:
malformed and oversized messages, too many subscriptions, filter values and connections."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from config import Config, ConfigError, EventSettings
from tests.api.test_real_server import BIN
from tests.events.test_subscriptions import VIN, record
from tests.processes import HOST, LoopbackServer

WS_LIMITS = {
    "AFTERSALES_WS_MAX_MESSAGE_BYTES": "ws_max_message_bytes",
    "AFTERSALES_WS_MAX_SUBSCRIPTIONS": "ws_max_subscriptions",
    "AFTERSALES_WS_MAX_FILTER_VALUES": "ws_max_filter_values",
    "AFTERSALES_WS_MAX_CONNECTIONS": "ws_max_connections",
    "AFTERSALES_WS_MAX_CONNECTIONS_PER_CLIENT": "ws_max_connections_per_client",
}
SUBSCRIBE = "subscription($filter: ServiceEventFilter) { serviceEventRecorded(filter: $filter) { cursor vin } }"
PROTOCOLS = [Subprotocol("graphql-transport-ws")]


def test_the_limits_default_and_are_read_from_the_environment() -> None:
    defaults = Config.from_env({}).events
    assert [getattr(defaults, field) for field in WS_LIMITS.values()] == [64 * 1024, 10, 100, 10_000, 100]
    assert defaults == EventSettings()
    configured = Config.from_env({name: str(2000 + n) for n, name in enumerate(WS_LIMITS)}).events
    assert [getattr(configured, field) for field in WS_LIMITS.values()] == [2000, 2001, 2002, 2003, 2004]
    for name in WS_LIMITS:
        with pytest.raises(ConfigError, match=name):
            Config.from_env({name: "0"})


class AftersalesServer(LoopbackServer):
    """`aftersales serve` (or `uvicorn server:app` with `uvicorn=True`) on a copy of the prepared data set; its
    configuration comes from the environment it is started in."""

    name = "aftersales server"

    def __init__(self, data: Path, uvicorn: bool = False) -> None:
        super().__init__()
        self.data = data
        self.uvicorn = uvicorn
        self.log_start = 0

    def command(self, port: int) -> list[str]:
        if self.uvicorn:
            return [sys.executable, "-m", "uvicorn", "server:app", "--host", HOST, "--port", str(port)]
        return [str(BIN / "aftersales"), "serve", "--data", str(self.data), "--port", str(port)]

    def answers(self, port: int) -> bool:
        with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def assert_no_traceback(self) -> None:
        """Nothing since `log_start` was logged as an error or with a traceback."""
        log = self.log()[self.log_start :]
        assert "Traceback" not in log, log[-3000:]
        assert '"level":"ERROR"' not in log, log[-3000:]


def start_server(prepared: Path, directory: Path, uvicorn: bool = False, **env: str) -> AftersalesServer:
    data = directory / "data"
    shutil.copytree(prepared, data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AFTERSALES_CACHE_DIR", str(directory / "cache"))
        patch.setenv("AFTERSALES_DATA", str(data))
        for name, value in env.items():
            patch.setenv(name, value)
        return AftersalesServer(data, uvicorn).start()


@pytest.fixture(scope="module")
def shared_server(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AftersalesServer]:
    running = start_server(prepared, tmp_path_factory.mktemp("ws-limits"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def server(shared_server: AftersalesServer) -> AftersalesServer:
    """One server with the default limits, shared by the tests that leave nothing open; each checks its own log."""
    shared_server.log_start = len(shared_server.log())
    return shared_server


async def opened(url: str, address: str | None = None) -> ClientConnection:
    """A socket past connection_init; `address` poses as that client (uvicorn trusts a loopback proxy's header)."""
    headers = {"X-Forwarded-For": address} if address else {}
    socket = await connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=PROTOCOLS,
                           additional_headers=headers, max_size=None)  # fmt: skip
    await socket.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    return socket


async def subscribe(socket: ClientConnection, operation_id: str, filter: dict[str, Any] | None = None) -> None:
    payload = {"query": SUBSCRIBE, "variables": {"filter": filter}}
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))


async def received(socket: ClientConnection, seconds: float = 10) -> dict[str, Any]:
    raw = await asyncio.wait_for(socket.recv(), seconds)
    message: dict[str, Any] = json.loads(raw)
    return message


async def close_of(socket: ClientConnection) -> tuple[int, str]:
    """The code and reason the server closed with (1006 if it dropped the connection without a close frame)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), 10)
    frame = closed.value.rcvd
    return (frame.code, frame.reason) if frame is not None else (1006, "")


def subscribe_message(**payload: Any) -> str:
    return json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, **payload}})


MALFORMED: dict[str, tuple[str | bytes, str]] = {
    "a number": ("123", "JSON object"),
    "an array": ("[]", "JSON object"),
    "a string": ('"x"', "JSON object"),
    "a numeric type": ('{"type": 5}', "message type"),
    "no type": ('{"id": "1"}', "message type"),
    "an unknown type": (json.dumps({"type": "next" * 1000}), "message type"),
    "a string payload": (json.dumps({"id": "1", "type": "subscribe", "payload": "x"}), "string query"),
    "a numeric payload": (json.dumps({"id": "1", "type": "subscribe", "payload": 5}), "string query"),
    "a numeric query": (json.dumps({"id": "1", "type": "subscribe", "payload": {"query": 5}}), "string query"),
    "variables as a list": (subscribe_message(variables=[1]), "variables"),
    "a numeric operation name": (subscribe_message(operationName=5), "operationName"),
    "a numeric id": (json.dumps({"id": 1, "type": "subscribe", "payload": {"query": SUBSCRIBE}}), "id must be"),
    "a list as id": (json.dumps({"id": [1], "type": "subscribe", "payload": {"query": SUBSCRIBE}}), "id must be"),
    "a huge id": (json.dumps({"id": "x" * 10_000, "type": "subscribe", "payload": {"query": SUBSCRIBE}}), "id must"),
    "an empty id": (json.dumps({"id": "", "type": "subscribe", "payload": {"query": SUBSCRIBE}}), "id must be"),
    "complete without id": ('{"type": "complete"}', "id must be"),
    "complete with a list as id": ('{"type": "complete", "id": []}', "id must be"),
    "ping with a string payload": ('{"type": "ping", "payload": "x"}', "payload"),
    "nesting deeper than the parser goes": ("[" * 5000 + "]" * 5000, "valid JSON"),
    "not JSON": ("{type: ping}", "valid JSON"),
    "a binary frame": (b'{"type": "ping"}', "must be text"),
    "a binary frame that is not UTF-8": (b"\xff\xfe\x00", "must be text"),
    # strawberry quotes the name in its reason: cut to what a close frame carries, not a failed send
    "an unknown operation name of 1000 characters": (subscribe_message(operationName="é" * 1000), "Unknown operation"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_message_closes_the_socket_with_4400_and_a_reason(server: AftersalesServer, name: str) -> None:
    message, reason = MALFORMED[name]

    async def scenario() -> tuple[int, str]:
        socket = await opened(server.url)
        await socket.send(message)
        return await close_of(socket)

    code, said = asyncio.run(scenario())
    assert code == 4400 and reason in said, (code, said)
    assert len(said.encode()) <= 123
    server.assert_no_traceback()


def test_a_malformed_first_message_closes_with_4400_before_connection_init(server: AftersalesServer) -> None:
    async def scenario() -> tuple[int, str]:
        async with connect(server.url.replace("http", "ws", 1) + "/graphql", subprotocols=PROTOCOLS) as socket:
            await socket.send("[]")
            return await close_of(socket)

    assert asyncio.run(scenario()) == (4400, "a message must be a JSON object")
    server.assert_no_traceback()


def test_a_text_frame_that_is_not_utf8_is_closed_by_the_protocol_layer_with_1007(server: AftersalesServer) -> None:
    async def scenario() -> int:
        socket = await opened(server.url)
        await socket.send(b"\xff\xfe", text=True)
        return (await close_of(socket))[0]

    assert asyncio.run(scenario()) == 1007  # RFC 6455: invalid payload data; the application never sees the frame
    log = server.log()
    assert "Invalid UTF-8 sequence received from client." in log
    server.assert_no_traceback()


def test_a_document_over_the_token_limit_is_an_error_for_its_operation(server: AftersalesServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        socket = await opened(server.url)
        too_long = "subscription { serviceEventRecorded { " + "cursor " * 2500 + "} }"
        broken = "subscription { serviceEventRecorded { cursor }"
        answers = []
        for operation_id, query in (("long", too_long), ("broken", broken)):
            await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
            answers.append(await received(socket))
        await socket.close()
        return answers

    long, broken = asyncio.run(scenario())
    assert (long["id"], long["type"]) == ("long", "error")
    assert [e["extensions"]["code"] for e in long["payload"]] == ["QUERY_TOO_LARGE"]
    assert (broken["id"], broken["type"]) == ("broken", "error")
    assert [e["extensions"]["code"] for e in broken["payload"]] == ["GRAPHQL_PARSE_FAILED"]
    server.assert_no_traceback()


def test_a_message_over_the_size_limit_is_refused_as_it_arrives_with_1009(server: AftersalesServer) -> None:
    async def scenario() -> tuple[tuple[int, str], dict[str, Any]]:
        socket = await opened(server.url)
        await socket.send(subscribe_message(variables={"filter": None, "padding": "x" * 70_000}))
        refused = await close_of(socket)
        # just under the limit is a message like any other
        within = await opened(server.url)
        await within.send(subscribe_message(variables={"filter": {"vins": [VIN]}}, extensions={"pad": "x" * 60_000}))
        recorded = await asyncio.get_running_loop().run_in_executor(None, record, server.url)
        notification = await received(within)
        await within.close()
        return refused, {"recorded": recorded, "notification": notification}

    (code, reason), seen = asyncio.run(scenario())
    assert code == 1009 and "65536" in reason, (code, reason)
    assert seen["notification"]["payload"]["data"]["serviceEventRecorded"]["vin"] == VIN
    server.assert_no_traceback()


def test_under_a_plain_uvicorn_the_application_refuses_a_large_message_with_1009(
    prepared: Path, tmp_path: Path
) -> None:
    # `uvicorn server:app` buffers messages up to its own 16 MiB: the application bounds what it parses
    plain = start_server(prepared, tmp_path, uvicorn=True, AFTERSALES_WS_MAX_MESSAGE_BYTES="2048")
    try:

        async def scenario() -> tuple[int, str]:
            socket = await opened(plain.url)
            payload = {"query": SUBSCRIBE, "variables": {"padding": "ü" * 1500}}
            # under 2048 characters, over 2048 bytes: the limit counts bytes
            message = json.dumps({"id": "1", "type": "subscribe", "payload": payload}, ensure_ascii=False)
            await socket.send(message)
            return await close_of(socket)

        assert asyncio.run(scenario()) == (1009, "message larger than 2048 bytes")
        plain.assert_no_traceback()
    finally:
        plain.stop()


def test_the_eleventh_subscription_on_a_socket_is_refused_until_one_completes(server: AftersalesServer) -> None:
    async def scenario() -> tuple[dict[str, Any], set[str]]:
        socket = await opened(server.url)
        for n in range(1, 11):
            await subscribe(socket, str(n), {"vins": [VIN]})
        await subscribe(socket, "11", {"vins": [VIN]})
        refused = await received(socket)
        await socket.send(json.dumps({"id": "3", "type": "complete"}))
        await subscribe(socket, "11", {"vins": [VIN]})
        await asyncio.sleep(0.3)  # let the subscriptions join the hub before the event is recorded
        await asyncio.get_running_loop().run_in_executor(None, record, server.url)
        delivered = {(await received(socket))["id"] for _ in range(10)}
        await socket.close()
        return refused, delivered

    refused, delivered = asyncio.run(scenario())
    assert (refused["id"], refused["type"]) == ("11", "error")
    assert [(e["extensions"]["code"], e["extensions"]["limit"]) for e in refused["payload"]] == [
        ("TOO_MANY_SUBSCRIPTIONS", 10)
    ]
    assert delivered == {str(n) for n in range(1, 12)} - {"3"}
    server.assert_no_traceback()


@pytest.mark.parametrize("name", ["vins", "brands", "markets", "itemCodes"])
def test_a_filter_list_of_101_entries_is_too_many_filter_values(server: AftersalesServer, name: str) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        socket = await opened(server.url)
        await subscribe(socket, "1", {name: [f"V{n:03d}" for n in range(101)]})
        refused, completed = await received(socket), await received(socket)
        await socket.close()
        return refused, completed

    refused, completed = asyncio.run(scenario())
    assert refused["type"] == "next" and refused["payload"]["data"] is None, refused
    [error] = refused["payload"]["errors"]
    assert error["extensions"] == {"code": "TOO_MANY_FILTER_VALUES", "field": name, "limit": 100}
    assert name in error["message"] and "101" in error["message"]
    assert completed == {"id": "1", "type": "complete"}
    server.assert_no_traceback()


def first_notification(server: AftersalesServer, operation_id: str, filter: dict[str, Any] | None) -> dict[str, Any]:
    """What a new subscription receives when an event is recorded after it started."""

    async def scenario() -> dict[str, Any]:
        socket = await opened(server.url)
        await subscribe(socket, operation_id, filter)
        await asyncio.sleep(0.3)
        await asyncio.get_running_loop().run_in_executor(None, record, server.url)
        message = await received(socket)
        await socket.close()
        return message

    return asyncio.run(scenario())


def test_a_filter_list_of_100_entries_is_served(server: AftersalesServer) -> None:
    message = first_notification(server, "1", {"vins": [VIN, *(f"V{n:03d}" for n in range(99))]})
    assert message["payload"]["data"]["serviceEventRecorded"]["vin"] == VIN, message


def test_after_every_kind_of_abuse_the_server_still_serves_a_subscription(server: AftersalesServer) -> None:
    message = first_notification(server, "after", None)
    assert (message["id"], message["type"]) == ("after", "next")
    assert message["payload"]["data"]["serviceEventRecorded"]["vin"] == VIN
    server.assert_no_traceback()


def refusal(error: InvalidStatus) -> tuple[int, str, str | None]:
    response = error.response
    body = json.loads(response.body or b"{}")
    return response.status_code, body["errors"][0]["extensions"]["code"], response.headers.get("Retry-After")


async def eventually_opened(url: str, address: str, seconds: float = 10) -> ClientConnection:
    """The server frees a slot when it has seen the socket end; until then a handshake may still be refused."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return await opened(url, address)
        except InvalidStatus:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


def test_connections_beyond_the_limits_are_refused_and_every_close_frees_its_slot(
    prepared: Path, tmp_path: Path
) -> None:
    limited = start_server(prepared, tmp_path, AFTERSALES_WS_MAX_CONNECTIONS="3",
                           AFTERSALES_WS_MAX_CONNECTIONS_PER_CLIENT="2")  # fmt: skip
    try:

        async def scenario() -> dict[str, Any]:
            url = limited.url
            first, second = await opened(url, "203.0.113.1"), await opened(url, "203.0.113.1")
            with pytest.raises(InvalidStatus) as per_client:
                await opened(url, "203.0.113.1")
            other = await opened(url, "203.0.113.2")
            with pytest.raises(InvalidStatus) as total:
                await opened(url, "203.0.113.3")
            # a clean close, a close by the server (malformed message) and a dropped connection each free a slot
            await first.close()
            first = await eventually_opened(url, "203.0.113.1")
            await second.send("123")
            assert (await close_of(second))[0] == 4400
            second = await eventually_opened(url, "203.0.113.1")
            other.transport.abort()
            other = await eventually_opened(url, "203.0.113.2")
            await subscribe(other, "1", {"vins": [VIN]})
            await asyncio.sleep(0.3)
            await asyncio.get_running_loop().run_in_executor(None, record, url)
            notification = await received(other)
            for socket in (first, second, other):
                await socket.close()
            return {"per_client": refusal(per_client.value), "total": refusal(total.value), "next": notification}

        seen = asyncio.run(scenario())
        assert seen["per_client"] == (429, "TOO_MANY_CONNECTIONS", "10")
        assert seen["total"] == (503, "SERVER_BUSY", "10")
        assert seen["next"]["payload"]["data"]["serviceEventRecorded"]["vin"] == VIN
        limited.assert_no_traceback()
    finally:
        limited.stop()
