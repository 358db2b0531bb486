"""The hub: every subscriber gets entries once and in order; one that falls behind is dropped, not waited for."""

from __future__ import annotations

import asyncio

import orjson

from bus.hub import Hub, SubscriberTooSlow
from bus.memory import MemoryBus


def note(n: int) -> bytes:
    return orjson.dumps({"vin": f"V{n % 2}", "n": n})


def test_a_full_queue_drops_only_that_subscriber() -> None:
    async def scenario() -> tuple[list[int], list[int], int]:
        hub = Hub(MemoryBus(), queue_size=3)
        await hub.start()
        dropped = 0

        def overflow() -> None:
            nonlocal dropped
            dropped += 1

        fast = hub.join(lambda n: True, overflow)
        slow = hub.join(lambda n: True, overflow)
        fast_seen: list[int] = []

        async def read_fast() -> None:
            async for delivery in fast.deliveries(None):
                fast_seen.append(delivery.notification["n"])
                if len(fast_seen) == 10:
                    return

        reader = asyncio.create_task(read_fast())
        for n in range(10):
            await hub.bus.append(note(n))
            await asyncio.sleep(0.01)
        await asyncio.wait_for(reader, 5)
        slow_seen: list[int] = []
        try:
            async for delivery in slow.deliveries(None):
                slow_seen.append(delivery.notification["n"])
        except SubscriberTooSlow:
            pass
        await hub.stop()
        return fast_seen, slow_seen, dropped

    fast_seen, slow_seen, dropped = asyncio.run(scenario())
    assert fast_seen == list(range(10))
    assert slow_seen == [], "an overflowed subscriber ends at once (its socket is being closed)"
    assert dropped == 1


def test_replay_then_live_delivers_each_entry_once_in_order_with_a_filter() -> None:
    async def scenario() -> list[int]:
        bus = MemoryBus()
        hub = Hub(bus, queue_size=100)
        await hub.start()
        first = await bus.append(note(0))
        for n in range(1, 6):
            await bus.append(note(n))
        subscription = hub.join(lambda n: n["vin"] == "V1", lambda: None)
        seen: list[int] = []

        async def read() -> None:
            async for delivery in subscription.deliveries(first):
                seen.append(delivery.notification["n"])
                if len(seen) == 5:
                    return

        reader = asyncio.create_task(read())
        for n in range(6, 10):
            await bus.append(note(n))
        await asyncio.wait_for(reader, 5)
        await hub.stop()
        return seen

    assert asyncio.run(scenario()) == [1, 3, 5, 7, 9]
