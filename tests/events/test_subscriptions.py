"""Subscriptions against real server processes and a real WebSocket client; Redis shared by two servers."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.events.conftest import Server
from tests.events.ws_client import Subscriber

VIN = "WXVZZZB8ZME456992"  # DE, VRN-BLT-8
OTHER = "TXNZZZS1ZSK257787"  # GB, NVK
RECORD = """mutation($input: ServiceEventInput!) { recordServiceEvent(input: $input) { id } }"""


def record(url: str, vin: str = VIN, odometer: int = 80_000, items: tuple[str, ...] = ("POLLEN_FILTER",)) -> str:
    payload = {"vin": vin, "date": "2025-06-30", "odometer": odometer, "workshopCode": "DE-042",
               "authorisedWorkshop": True, "itemCodes": list(items)}  # fmt: skip
    request = urllib.request.Request(
        url + "/graphql",
        data=json.dumps({"query": RECORD, "variables": {"input": payload}}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    event_id: str = body["data"]["recordServiceEvent"]["id"]
    return event_id


async def nothing_more(subscriber: Subscriber, seconds: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(subscriber.message(), seconds)


def test_a_subscriber_receives_recorded_events_with_cursor_and_fresh_vehicle_data(server: Server) -> None:
    with server() as (url, _):

        async def scenario() -> None:
            subscriber = await Subscriber.open(url)
            first = record(url, odometer=80_000)
            notification = await subscriber.next()
            assert (notification["vin"], notification["event"]["id"]) == (VIN, first)
            assert notification["event"]["items"] == [{"code": "POLLEN_FILTER"}]
            vehicle = notification["vehicle"]
            assert (vehicle["vin"], vehicle["model"]) == (VIN, {"code": "VRN-BLT-8"})
            assert vehicle["serviceEvents"][-1] == {"id": first}
            second = record(url, odometer=80_500)
            following = await subscriber.next()
            assert following["event"]["id"] == second and following["cursor"] != notification["cursor"]
            # loaders are fresh for every notification: the socket-long context must not serve the old history
            assert following["vehicle"]["serviceEvents"][-2:] == [{"id": first}, {"id": second}]
            await nothing_more(subscriber)
            await subscriber.close()

        asyncio.run(scenario())


def test_filters_select_by_vin_brand_market_and_item(server: Server) -> None:
    with server() as (url, _):

        async def scenario() -> None:
            by_vin = await Subscriber.open(url, filter={"vins": [VIN.lower()]})
            by_item = await Subscriber.open(url, filter={"itemCodes": ["HV_CHECK"]})
            by_brand = await Subscriber.open(url, filter={"brands": ["AUX"]})
            by_market = await Subscriber.open(url, filter={"markets": ["GB"]})
            on_vin = record(url, VIN)
            on_other = record(url, OTHER, odometer=20_000, items=("HV_CHECK",))
            assert (await by_vin.next())["event"]["id"] == on_vin
            assert (await by_item.next())["event"]["id"] == on_other
            assert (await by_market.next())["event"]["id"] == on_other
            for subscriber in (by_vin, by_item, by_market, by_brand):
                await nothing_more(subscriber, 0.3)

        asyncio.run(scenario())


def test_reconnecting_with_the_last_cursor_delivers_every_missed_event_once_in_order(server: Server) -> None:
    with server() as (url, _):

        async def scenario() -> None:
            subscriber = await Subscriber.open(url)
            record(url, odometer=80_000)
            last_seen = (await subscriber.next())["cursor"]
            await subscriber.close()
            missed = [record(url, odometer=80_100 + n) for n in range(3)]
            again = await Subscriber.open(url, after=last_seen)
            assert [(await again.next())["event"]["id"] for _ in missed] == missed
            live = record(url, odometer=81_000)
            assert (await again.next())["event"]["id"] == live
            await nothing_more(again)

        asyncio.run(scenario())


def test_a_cursor_older_than_the_retention_is_expired_and_garbage_is_invalid(server: Server) -> None:
    with server(AFTERSALES_EVENT_RETENTION="2") as (url, _):

        async def scenario() -> None:
            subscriber = await Subscriber.open(url)
            record(url, odometer=80_000)
            oldest = (await subscriber.next())["cursor"]
            for n in range(4):
                record(url, odometer=80_100 + n)
            for after, code in ((oldest, "CURSOR_EXPIRED"), ("not-a-cursor", "INVALID_CURSOR")):
                late = await Subscriber.open(url, after=after)
                message = await late.message()
                # graphql-transport-ws: an error of the subscription's execution comes as a result with errors
                assert message["type"] == "next" and message["payload"]["data"] is None, message
                assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == [code]
                assert (await late.message())["type"] == "complete"

        asyncio.run(scenario())


def test_two_servers_sharing_redis_deliver_each_others_events(server: Server, redis_url: str) -> None:
    env = {"AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": redis_url}
    with server(**env) as (first, _), server(**env) as (second, _):

        async def scenario() -> None:
            on_second = await Subscriber.open(second)
            recorded = record(first, odometer=80_000)
            notification = await on_second.next()
            assert notification["event"]["id"] == recorded
            await on_second.close()
            missed = record(first, odometer=80_200)
            resumed = await Subscriber.open(second, after=notification["cursor"])
            assert (await resumed.next())["event"]["id"] == missed

        asyncio.run(scenario())


def test_sigterm_closes_subscriptions_with_a_restart_code(server: Server) -> None:
    with server() as (url, process):

        async def scenario() -> int:
            subscriber = await Subscriber.open(url)
            process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(subscriber.message(), 20)
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code

        assert asyncio.run(scenario()) in (1001, 1012)  # going away / service restart: reconnect with the cursor


def test_connection_init_must_come_within_the_configured_time(server: Server) -> None:
    with server(AFTERSALES_WS_INIT_TIMEOUT_SECONDS="1") as (url, _):

        async def scenario() -> int:
            from websockets.asyncio.client import connect
            from websockets.typing import Subprotocol

            ws_url = url.replace("http", "ws", 1) + "/graphql"
            async with connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code

        assert asyncio.run(scenario()) == 4408


def test_only_allowed_origins_may_subscribe(server: Server) -> None:
    with server(AFTERSALES_WS_ALLOWED_ORIGINS="https://partner.example") as (url, _):

        async def scenario() -> None:
            allowed = await Subscriber.open(url, origin="https://partner.example")
            await allowed.close()
            with pytest.raises((InvalidStatus, ConnectionClosed, AssertionError)):
                refused = await Subscriber.open(url, origin="https://elsewhere.example")
                await refused.next()

        asyncio.run(scenario())



HISTORY = "serviceEvents { id date odometer workshopCode authorisedWorkshop sourceSystems items { code name } }"
HEAVY = ("subscription { serviceEventRecorded { cursor vehicle { "
         + " ".join(f"h{n}: {HISTORY}" for n in range(25)) + " } } }")  # fmt: skip


def record_batch(url: str, odometer: int) -> list[str]:
    return [record(url, odometer=odometer + n) for n in range(25)]


def subscribers(url: str) -> int:
    with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
        count: int = json.loads(response.read())["subscribers"]
        return count


def test_a_subscriber_that_does_not_read_is_disconnected_without_slowing_the_others(server: Server) -> None:
    with server(AFTERSALES_SUBSCRIBER_QUEUE="40") as (url, _):

        async def scenario() -> tuple[int, int, int]:
            from websockets.asyncio.client import connect
            from websockets.typing import Subprotocol

            reader = await Subscriber.open(url)
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window fills fast
            raw.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
            stalled = await connect(url.replace("http", "ws", 1) + "/graphql", sock=raw, max_queue=1,
                                    ping_interval=None, subprotocols=[Subprotocol("graphql-transport-ws")])  # fmt: skip
            await stalled.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await stalled.recv())["type"] == "connection_ack"
            await stalled.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": HEAVY}}))
            await asyncio.sleep(0.2)
            assert subscribers(url) == 2
            loop = asyncio.get_running_loop()
            recorded = 0
            # record until the server has dropped the stalled subscriber (how many that takes depends on the
            # machine's socket buffers), while the other one keeps reading every event
            while subscribers(url) == 2 and recorded < 1500:
                batch = await loop.run_in_executor(None, record_batch, url, 80_000 + recorded)
                for _ in batch:
                    await asyncio.wait_for(reader.next(), 30)
                recorded += len(batch)
            drained = 0
            try:
                while True:
                    await asyncio.wait_for(stalled.recv(), 10)
                    drained += 1
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 1006
            return recorded, drained, code

        recorded, drained, code = asyncio.run(scenario())
    assert recorded < 1500, "the stalled subscriber was dropped by the server"
    # the close frame queues behind what the stalled client left unread; when the server has to give up on
    # delivering it, the client sees the connection drop (1006). Either way: reconnect with the last cursor.
    assert code in (4429, 1006) and drained < recorded


def test_the_legacy_graphql_ws_protocol_is_refused(server: Server) -> None:
    with server() as (url, _):

        async def scenario() -> int:
            from websockets.asyncio.client import connect
            from websockets.typing import Subprotocol

            ws_url = url.replace("http", "ws", 1) + "/graphql"
            async with connect(ws_url, subprotocols=[Subprotocol("graphql-ws")]) as socket:
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code

        assert asyncio.run(scenario()) == 4406
