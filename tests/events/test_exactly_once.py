"""Events exactly once against real server processes and a real redis-server: concurrent identical keyed requests
give one event, one stream entry, one notification; a retry publishes what a Redis outage kept from being
published, once; a malformed stream entry is skipped and counted; /readyz reports the bus."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.error
import urllib.request
from typing import Any

import httpx2
import redis

from tests.bus.redis_server import RedisServer
from tests.events.conftest import Server
from tests.events.test_subscriptions import VIN, nothing_more
from tests.events.ws_client import Subscriber

STREAM = "aftersales:service-events"
RECORD = """mutation($input: ServiceEventInput!, $key: String) {
  recordServiceEvent(input: $input, idempotencyKey: $key) { id } }"""
TWINS = 24


def request(odometer: int = 80_000, key: str = "ro-4711") -> dict[str, Any]:
    event = {"vin": VIN, "date": "2025-06-30", "odometer": odometer, "workshopCode": "DE-042",
             "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER"]}  # fmt: skip
    return {"query": RECORD, "variables": {"input": event, "key": key}}


async def send_at_once(urls: list[str], body: dict[str, Any]) -> list[dict[str, Any]]:
    """TWINS identical requests, spread over the servers, all in flight at once."""
    async with httpx2.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(
            *(client.post(urls[n % len(urls)] + "/graphql", json=body) for n in range(TWINS))
        )
    return [r.json() for r in responses]


def readiness(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def until_readiness(url: str, status: int, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        code, body = readiness(url)
        if code == status:
            return body
        assert time.monotonic() < deadline, f"/readyz stayed {code}: {body}"
        time.sleep(0.1)


def stream_length(url: str) -> int:
    with redis.Redis.from_url(url, socket_timeout=5) as client:
        length: int = client.xlen(STREAM)
        return length


def one_event_id(bodies: list[dict[str, Any]]) -> str:
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:1]
    ids: set[str] = {b["data"]["recordServiceEvent"]["id"] for b in bodies}
    (event_id,) = ids
    return event_id


async def twins_notify_once(url: str) -> None:
    """Concurrent identical keyed requests: one event id in every answer, one notification to a subscriber."""
    subscriber = await Subscriber.open(url)
    event_id = one_event_id(await send_at_once([url], request()))
    assert (await subscriber.next())["event"]["id"] == event_id
    await nothing_more(subscriber)


def test_concurrent_identical_keyed_requests_give_one_event_and_one_notification_on_the_memory_bus(
    server: Server,
) -> None:
    with server() as (url, _):
        asyncio.run(twins_notify_once(url))


def test_concurrent_identical_keyed_requests_give_one_stream_entry_on_redis(server: Server, redis_url: str) -> None:
    with server(AFTERSALES_EVENT_BUS="redis", AFTERSALES_REDIS_URL=redis_url) as (url, _):
        asyncio.run(twins_notify_once(url))
        assert stream_length(redis_url) == 1


def test_a_malformed_stream_entry_is_skipped_and_counted_and_the_others_go_on(server: Server, redis_url: str) -> None:
    with server(AFTERSALES_EVENT_BUS="redis", AFTERSALES_REDIS_URL=redis_url) as (url, _):

        async def scenario() -> None:
            live = await Subscriber.open(url)
            first = one_event_id(await send_at_once([url], request(80_000, "first")))
            before_junk = (await live.next())["cursor"]
            with redis.Redis.from_url(redis_url, socket_timeout=5) as client:
                client.xadd(STREAM, {"junk": "1"})  # no payload at all
                client.xadd(STREAM, {"payload": b"\xff not json"})
                client.xadd(STREAM, {"payload": json.dumps({"vin": VIN, "brand": "VRN"})})  # a notification's shape
                client.xadd(STREAM, {"payload": json.dumps({"vin": VIN, "brand": "VRN", "market": "DE",
                                                            "itemCodes": [], "event": {"eventId": 1}})})  # fmt: skip
            second = one_event_id(await send_at_once([url], request(80_100, "second")))
            assert (await live.next())["event"]["id"] == second
            resumed = await Subscriber.open(url, after=before_junk)
            assert (await resumed.next())["event"]["id"] == second, "a replay skips them too"
            for subscriber in (live, resumed):
                await nothing_more(subscriber)
            assert first != second

        asyncio.run(scenario())
        code, ready = readiness(url)
        assert code == 200 and ready["bus"] == {"backend": "redis", "status": "up", "malformedEntries": 4}


def test_a_redis_outage_makes_the_server_not_ready_and_a_retry_publishes_once_after_it(
    server: Server,
    stoppable_redis: RedisServer,
) -> None:
    env = {"AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": stoppable_redis.url,
           "AFTERSALES_REDIS_TIMEOUT_MS": "300"}  # fmt: skip
    with server(**env) as (url, _):
        assert readiness(url)[1]["bus"]["status"] == "up"
        stoppable_redis.stop()
        down = until_readiness(url, 503)
        assert down["notReady"] == ["bus"] and down["bus"]["status"] == "down"
        assert down["status"] == "not ready"

        async def while_down() -> list[dict[str, Any]]:
            return await send_at_once([url], request())

        # recorded, but not published: the client is told to send the request again
        bodies = asyncio.run(while_down())
        assert {b["errors"][0]["extensions"]["code"] for b in bodies} == {"EVENT_NOT_PUBLISHED"}
        stoppable_redis.restart()
        until_readiness(url, 200)

        async def after_outage() -> str:
            subscriber = await Subscriber.open(url)
            event_id = one_event_id(await send_at_once([url], request()))
            assert (await subscriber.next())["event"]["id"] == event_id
            again = one_event_id(await send_at_once([url], request()))
            assert again == event_id
            await nothing_more(subscriber)
            return event_id

        asyncio.run(after_outage())
        assert stream_length(stoppable_redis.url) == 1


def test_a_hung_redis_fails_a_publish_within_the_timeout_instead_of_hanging_it(
    server: Server, stoppable_redis: RedisServer
) -> None:
    env = {"AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": stoppable_redis.url,
           "AFTERSALES_REDIS_TIMEOUT_MS": "300"}  # fmt: skip
    with server(**env) as (url, _):
        os.kill(stoppable_redis.pid, signal.SIGSTOP)  # connections are accepted, nothing is answered
        try:
            started = time.monotonic()
            bodies = asyncio.run(send_at_once([url], request()))
            elapsed = time.monotonic() - started
            assert {b["errors"][0]["extensions"]["code"] for b in bodies} == {"EVENT_NOT_PUBLISHED"}
            assert elapsed < 15, "a few timed-out attempts, not a wait for ever"
            assert until_readiness(url, 503)["notReady"] == ["bus"]
        finally:
            os.kill(stoppable_redis.pid, signal.SIGCONT)
        until_readiness(url, 200)
        one_event_id(asyncio.run(send_at_once([url], request())))
        # the timed-out appends reached Redis and ran once it resumed: the event id let one of them append
        assert stream_length(stoppable_redis.url) == 1, "published once"
