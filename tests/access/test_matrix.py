"""Every role against every operation, on a vehicle within its scopes and on one outside them, over HTTP and over the
WebSocket, with API keys and with tokens signed by the test's own issuer (its JWKS served over https).

What each role may do is written out here from the specification, not read from the code under test."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from catalog import default_catalog
from store import versions
from tests.access.credentials import ADMIN, AUDIENCE, ISSUER, Client, Issuer, JwksServer, key_file
from tests.api.test_real_server import BIN, ROOT, wait_ready
from tests.processes import free_port

BRAND, MARKET = "VRN", "DE"
UNKNOWN_VIN = "WXVZZZB8ZME456993"
UNKNOWN_ARCHIVE_ID = "0" * 64
ROLES = ("frontend", "shop", "partner", "admin")
MAY = {
    "frontend": {"read", "prices"},
    "shop": {"read", "prices", "record", "archive"},
    "partner": {"read", "subscribe"},
    "admin": {"read", "prices", "record", "archive", "subscribe"},
}
QUOTE_INPUT = '{quoteDate: "2025-06-30", odometer: 90000}'


@dataclass(frozen=True)
class Operation:
    name: str
    needs: str
    document: str
    path: tuple[str | int, ...]
    """Where the answer holds what the operation asks for (null when refused or not there)."""


OPERATIONS = [
    Operation("vehicle", "read", "query($vin: String!) { vehicle(vin: $vin) { vin brand { code } market { code } } }",
              ("vehicle",)),
    Operation("vehicles", "read", "query($vin: String!) { vehicles(vins: [$vin]) { vin } }", ("vehicles", 0)),
    Operation("history", "read", "query($vin: String!) { vehicle(vin: $vin) { serviceEvents { id date } } }",
              ("vehicle", "serviceEvents")),
    Operation("contracts", "read", "query($vin: String!) { vehicle(vin: $vin) { contracts { id } } }",
              ("vehicle", "contracts")),
    Operation("campaigns", "read", "query($vin: String!) { vehicle(vin: $vin) { openCampaigns { code } } }",
              ("vehicle", "openCampaigns")),
    Operation("due services", "read",
              f"query($vin: String!) {{ vehicle(vin: $vin) {{ dueServices(input: {QUOTE_INPUT}) {{ status }} }} }}",
              ("vehicle", "dueServices")),
    Operation("quote", "prices",
              f"query($vin: String!) {{ vehicle(vin: $vin) {{ vin serviceQuote(input: {QUOTE_INPUT}) "
              "{ totals { payable } } } }", ("vehicle", "serviceQuote")),
    Operation("labour price", "prices",
              "query($vin: String!) { vehicle(vin: $vin) { vin market { labourRatePerHour } } }",
              ("vehicle", "market", "labourRatePerHour")),
    Operation("archived quote", "prices", "query($id: String!) { archivedQuote(id: $id) { vin quote { currency } } }",
              ("archivedQuote",)),
    Operation("record event", "record",
              "mutation($input: ServiceEventInput!) { recordServiceEvent(input: $input) { id } }",
              ("recordServiceEvent",)),
    Operation("archive quote", "archive",
              f"mutation($vin: String!) {{ archiveServiceQuote(vin: $vin, input: {QUOTE_INPUT}) {{ id }} }}",
              ("archiveServiceQuote",)),
]  # fmt: skip


def event_input(vin: str) -> dict[str, Any]:
    return {"vin": vin, "date": datetime.date.today().isoformat(), "odometer": 150_000, "workshopCode": "DE-042",
            "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER"]}  # fmt: skip


@dataclass
class Deployment:
    url: str
    inside: str
    """A vehicle of brand VRN in DE: within every scoped principal's scopes."""
    outside: list[str]
    """Vehicles of another brand, and of VRN in another market."""
    archive_ids: dict[str, str]
    issuer: Issuer
    jwks: JwksServer


def scoped_clients() -> list[Client]:
    return [Client(f"{role}-client", f"{role}-key-0123456789", role, (BRAND,), (MARKET,)) for role in ROLES]


@pytest.fixture(scope="module")
def deployment(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory = tmp_path_factory.mktemp("access")
    data = directory / "data"
    shutil.copytree(prepared, data)
    catalog = default_catalog()
    rows = [json.loads(line) for line in (versions.served(data) / "vehicles.jsonl").read_text().splitlines()]

    def pick(brand_wanted: bool, market_wanted: bool) -> str:
        return next(str(r["vin"]) for r in rows
                    if (catalog.models[r["modelCode"]].brand_code == BRAND) == brand_wanted
                    and (r["market"] == MARKET) == market_wanted)  # fmt: skip

    issuer = Issuer(directory)
    with JwksServer(issuer, directory) as jwks:
        env = {
            "AFTERSALES_CACHE_DIR": str(directory / "cache"),
            "AFTERSALES_API_KEYS": str(key_file(directory, [ADMIN, *scoped_clients()])),
            "AFTERSALES_JWT_ISSUER": ISSUER, "AFTERSALES_JWT_AUDIENCE": AUDIENCE, "AFTERSALES_JWKS": jwks.url,
            "SSL_CERT_FILE": str(jwks.ca_file), "AFTERSALES_RATE_LIMIT": "1000",
        }  # fmt: skip
        command = [str(BIN / "aftersales"), "serve", "--production", "--data", str(data)]
        for url in serve_logging(command, env, directory / "server.log"):
            inside, outside = pick(True, True), [pick(False, True), pick(True, False)]
            archive_ids = {}
            for vin in (inside, *outside):
                # the unscoped administrator sees every one of them, so they do exist
                body = post(url, ADMIN.header, OPERATIONS[-1].document, {"vin": vin}).json()
                archive_ids[vin] = body["data"]["archiveServiceQuote"]["id"]
            yield Deployment(url, inside, outside, archive_ids, issuer, jwks)


def serve_logging(command: list[str], env: dict[str, str], log: Path) -> Generator[str, None, None]:
    """The server with its log in a file (a pipe nobody reads would fill up and block it)."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env={**os.environ, **env},
                                   stdout=output, stderr=output)  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def post(url: str, headers: dict[str, str], query: str, variables: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30)


def credentials(deployment: Deployment, role: str, kind: str) -> str:
    if kind == "key":
        return f"ApiKey {role}-key-0123456789"
    algorithm = "ES256" if role in ("shop", "admin") else "RS256"
    return "Bearer " + deployment.issuer.token(role, [BRAND], [MARKET], alg=algorithm)


async def over_websocket(url: str, authorization: str, query: str, variables: dict[str, Any]) -> str:
    """The raw `next` message of one operation run over graphql-transport-ws."""
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=protocols) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": authorization}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = await socket.recv()
        assert isinstance(message, str)
        text: str = message
        return text


def ask(deployment: Deployment, transport: str, authorization: str, operation: Operation, vin: str) -> str:
    """The answer's bytes, as text: the HTTP body, or the WebSocket's `next` message."""
    if operation.needs == "prices" and operation.name == "archived quote":
        variables: dict[str, Any] = {"id": deployment.archive_ids.get(vin, UNKNOWN_ARCHIVE_ID)}
    elif operation.needs == "record":
        variables = {"input": event_input(vin)}
    else:
        variables = {"vin": vin}
    if transport == "http":
        response = post(deployment.url, {"Authorization": authorization}, operation.document, variables)
        assert response.status_code == 200, response.text
        return response.text
    return asyncio.run(over_websocket(deployment.url, authorization, operation.document, variables))


def result(answer: str) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(answer)
    return message["payload"] if message.get("type") == "next" else message


def reached(body: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = body.get("data")
    for step in path:
        if value is None:
            return None
        value = value[step]
    return value


@pytest.mark.parametrize("transport", ["http", "websocket"])
@pytest.mark.parametrize("kind", ["key", "token"])
@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_what_it_may_within_its_scopes_and_nothing_outside(
    deployment: Deployment, role: str, kind: str, transport: str
) -> None:
    authorization = credentials(deployment, role, kind)
    for operation in OPERATIONS:
        body = result(ask(deployment, transport, authorization, operation, deployment.inside))
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if operation.needs in MAY[role]:
            assert codes == [] and reached(body, operation.path) is not None, (operation.name, body)
        else:
            assert codes and set(codes) == {"FORBIDDEN"}, (operation.name, body)
            assert reached(body, operation.path) is None, (operation.name, body)
        for vin in deployment.outside:
            out_of_scope = ask(deployment, transport, authorization, operation, vin)
            unknown = ask(deployment, transport, authorization, operation, UNKNOWN_VIN)
            # the same bytes as for a VIN nobody has: only the VIN the client itself sent differs
            assert out_of_scope.replace(vin, UNKNOWN_VIN) == unknown, (operation.name, vin)
            assert reached(result(out_of_scope), operation.path) is None


def test_the_unscoped_administrator_sees_the_vehicles_the_scoped_principals_do_not(deployment: Deployment) -> None:
    for vin in deployment.outside:
        body = post(deployment.url, ADMIN.header, OPERATIONS[0].document, {"vin": vin}).json()
        assert body["data"]["vehicle"]["vin"] == vin


async def subscribe(url: str, authorization: str, vins: list[str]) -> Any:
    protocols = [Subprotocol("graphql-transport-ws")]
    socket = await connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=protocols)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": authorization}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    query = "subscription($vins: [String!]) { serviceEventRecorded(filter: {vins: $vins}) { vin } }"
    await socket.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query,
                                                                            "variables": {"vins": vins}}}))  # fmt: skip
    return socket


@pytest.mark.parametrize("kind", ["key", "token"])
@pytest.mark.parametrize("role", ROLES)
def test_subscriptions_carry_only_events_within_the_scopes_whatever_the_filter(
    deployment: Deployment, role: str, kind: str
) -> None:
    async def run() -> list[dict[str, Any]]:
        socket = await subscribe(deployment.url, credentials(deployment, role, kind),
                                 [*deployment.outside, deployment.inside])  # fmt: skip
        await asyncio.sleep(0.3)  # subscribed before the events are recorded
        for vin in [*deployment.outside, deployment.inside]:
            body = post(deployment.url, ADMIN.header, OPERATIONS[-2].document, {"input": event_input(vin)}).json()
            assert "errors" not in body, body
        messages = [json.loads(await asyncio.wait_for(socket.recv(), 10))]
        if messages[0]["type"] == "next" and "errors" not in messages[0]["payload"]:
            with contextlib.suppress(TimeoutError):  # nothing else arrives: the events outside were filtered out
                messages.append(json.loads(await asyncio.wait_for(socket.recv(), 0.5)))
        await socket.close()
        return messages

    messages = asyncio.run(run())
    if "subscribe" in MAY[role]:
        assert [m["payload"]["data"]["serviceEventRecorded"]["vin"] for m in messages] == [deployment.inside]
    else:
        errors = messages[0]["payload"] if messages[0]["type"] == "error" else messages[0]["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]


def test_production_refuses_requests_without_valid_credentials_with_401(deployment: Deployment) -> None:
    for headers in ({}, {"Authorization": "ApiKey not-a-key"}, {"Authorization": "Bearer not.a.token"},
                    {"Authorization": "Basic YWRtaW46YWRtaW4="}):  # fmt: skip
        response = post(deployment.url, headers, "{ __typename }", {})
        assert response.status_code == 401, headers
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
        assert "ApiKey" in response.headers["www-authenticate"] and "data" not in response.json()


@pytest.mark.parametrize("authorization", [None, "ApiKey not-a-key", "Bearer not.a.token"])
def test_a_socket_without_valid_credentials_is_closed_with_4403_before_any_acknowledgement(
    deployment: Deployment, authorization: str | None
) -> None:
    async def run() -> int | None:
        protocols = [Subprotocol("graphql-transport-ws")]
        async with connect(deployment.url.replace("http", "ws", 1) + "/graphql", subprotocols=protocols) as socket:
            payload = {"Authorization": authorization} if authorization else {}
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            try:
                message = await asyncio.wait_for(socket.recv(), 5)
            except ConnectionClosed:
                return socket.close_code
            raise AssertionError(f"acknowledged: {message!r}")

    assert asyncio.run(run()) == 4403


def test_the_token_issuer_key_set_was_fetched_over_https(deployment: Deployment) -> None:
    assert deployment.jwks.fetches >= 1

