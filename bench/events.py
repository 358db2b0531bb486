"""Subscribers on one machine (100, 1,000): events recorded per second and the delay from mutation to delivery
(p50/p99), on the in-process bus and on Redis Streams, measured in the same run. The baseline is the same
recording with no subscriber connected. Server, subscribers, Redis and the recording client share the machine.

Run: .venv/bin/python -m bench.events [--subscribers 100,1000] [--events 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx2
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.graph import percentile, server
from catalog import default_catalog
from generator.command import write_delivery
from preparation.pipeline import import_delivery
from tests.bus.redis_server import RedisServer

VIN = "WXVZZZB8ZME456992"
RECORD = "mutation($input: ServiceEventInput!) { recordServiceEvent(input: $input) { id } }"
SUBSCRIBE = "subscription { serviceEventRecorded { cursor event { id } } }"


async def subscriber(url: str, ready: asyncio.Event, arrivals: list[tuple[str, float]], count: int) -> None:
    """Opens one subscription and records when each event id arrives."""
    socket: ClientConnection = await connect(
        url.replace("http", "ws", 1), subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=None
    )
    async with socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        await socket.recv()
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        ready.set()
        for _ in range(count):
            message = json.loads(await socket.recv())
            arrivals.append((message["payload"]["data"]["serviceEventRecorded"]["event"]["id"], time.perf_counter()))


async def run(url: str, subscribers: int, events: int) -> tuple[float, list[float]]:
    """(events recorded per second, delays in ms from each mutation's answer's start to each delivery)."""
    arrivals: list[tuple[str, float]] = []
    readies = [asyncio.Event() for _ in range(subscribers)]
    listeners = [asyncio.create_task(subscriber(url, r, arrivals, events)) for r in readies]
    await asyncio.gather(*(r.wait() for r in readies))
    await asyncio.sleep(0.5)  # every subscription is registered with the hub
    sent: dict[str, float] = {}
    async with httpx2.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        for n in range(events):
            payload = {"vin": VIN, "date": "2025-06-30", "odometer": 80_000 + n, "workshopCode": "DE-042",
                       "authorisedWorkshop": True, "itemCodes": ["POLLEN_FILTER"]}  # fmt: skip
            before = time.perf_counter()
            response = await client.post(url, json={"query": RECORD, "variables": {"input": payload}})
            sent[response.json()["data"]["recordServiceEvent"]["id"]] = before
        rate = events / (time.perf_counter() - started)
    if listeners:
        await asyncio.wait_for(asyncio.gather(*listeners), 300)
    return rate, [(arrived - sent[event_id]) * 1000 for event_id, arrived in arrivals]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", default="100,1000")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    sizes = [0, *(int(n) for n in args.subscribers.split(","))]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        raw, data = Path(tmp) / "raw", Path(tmp) / "prepared"
        write_delivery(42, 200, raw)
        import_delivery(raw, data, default_catalog())
        redis = stack.enter_context(RedisServer())
        for bus in ("memory", "redis"):
            for size in sizes:
                copy = Path(tmp) / f"data-{bus}-{size}"
                shutil.copytree(data, copy)
                env = {"AFTERSALES_DATA": str(copy), "AFTERSALES_CACHE_DIR": tmp, "AFTERSALES_EVENT_BUS": bus,
                       "AFTERSALES_REDIS_URL": redis.url, "AFTERSALES_SUBSCRIBER_QUEUE": "100000"}  # fmt: skip
                with server(env, batching=True) as url:
                    rate, delays = asyncio.run(run(url, size, args.events))
                rows.append((bus, size, rate, delays))
    print(f"{args.events} events recorded one after another; delay = mutation sent → notification received")
    print(f"{'bus':8} {'subscribers':>11} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'deliveries':>11}")
    baseline = {bus: rate for bus, size, rate, _ in rows if size == 0}
    for bus, size, rate, delays in rows:
        p50 = f"{percentile(delays, 50):8.1f}" if delays else f"{'-':>8}"
        p99 = f"{percentile(delays, 99):8.1f}" if delays else f"{'-':>8}"
        ratio = f"  ({rate / baseline[bus]:.2f}× the rate without subscribers)" if size else "  (baseline)"
        print(f"{bus:8} {size:11d} {rate:9.1f} {p50} {p99} {len(delays):11d}{ratio}")


if __name__ == "__main__":
    main()
