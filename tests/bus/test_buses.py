"""Both event-bus backends against one contract (order, cursors, waiting, retention), Redis on a real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
import redis.asyncio as redis

from bus.base import CursorError, EventBus
from bus.memory import MemoryBus
from bus.redis_streams import RedisStreamBus, connect_redis

# Redis trims with `~`: whole stream nodes of up to 100 entries, so retention tests append a few nodes' worth and
# find the retained boundary by reading instead of assuming it.
ENTRIES_PAST_RETENTION = 300
PROMPT = 0.5  # seconds: an append wakes a waiter well within this


class OpenBus(Protocol):
    def __call__(self, *, max_length: int = ..., max_age_seconds: float | None = ...) -> Awaitable[EventBus]: ...


@dataclass(frozen=True)
class Backend:
    name: str
    open: OpenBus
    cursor_at: Callable[[tuple[int, int]], str]  # the cursor text of a position, for cursors the bus never gave out
    until_waiting: Callable[[], Awaitable[None]]  # returns once a wait_after has started waiting


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":

        async def open_memory(*, max_length: int = 100_000, max_age_seconds: float | None = None) -> EventBus:
            return MemoryBus(max_length, max_age_seconds)

        async def memory_waiting() -> None:
            await asyncio.sleep(0.01)  # the waiter reaches the condition in one turn of the loop

        return Backend("memory", open_memory, lambda position: str(position[1]), memory_waiting)

    url: str = request.getfixturevalue("redis_url")

    async def open_redis(*, max_length: int = 100_000, max_age_seconds: float | None = None) -> EventBus:
        return RedisStreamBus(await connect_redis(url), max_length=max_length, max_age_seconds=max_age_seconds)

    async def redis_waiting() -> None:
        async with redis.Redis.from_url(url) as client:
            deadline = time.monotonic() + 2
            while (await client.info("clients"))["blocked_clients"] == 0:
                assert time.monotonic() < deadline, "no client is blocked in XREAD"
                await asyncio.sleep(0.005)

    return Backend("redis", open_redis, lambda position: f"{position[0]}-{position[1]}", redis_waiting)


@asynccontextmanager
async def opened(
    backend: Backend, max_length: int = 100_000, max_age_seconds: float | None = None
) -> AsyncIterator[EventBus]:
    bus = await backend.open(max_length=max_length, max_age_seconds=max_age_seconds)
    try:
        yield bus
    finally:
        await bus.close()


async def append_all(bus: EventBus, count: int, prefix: str = "event") -> list[str]:
    return [await bus.append(f'{{"{prefix}": {number}}}'.encode()) for number in range(count)]


async def expect_cursor_error(code: str, call: Awaitable[object]) -> None:
    with pytest.raises(CursorError) as error:
        await call
    assert error.value.code == code


async def check_retained_boundary(bus: EventBus, appended: list[str]) -> int:
    """Retention kept a suffix of `appended`: the cursor just before it still resumes, any older one has expired.
    Gives the number of entries kept."""
    retained = await bus.read_after(None, len(appended))
    first = appended.index(retained[0].cursor)
    assert [entry.cursor for entry in retained] == appended[first:]
    assert first >= 2, "retention dropped nothing"
    assert await bus.read_after(appended[first - 1], 1) == retained[:1]
    assert await bus.wait_after(appended[first - 1], 1) == retained
    for lost in (appended[first - 2], appended[0]):
        await expect_cursor_error("CURSOR_EXPIRED", bus.read_after(lost, 10))
        await expect_cursor_error("CURSOR_EXPIRED", bus.wait_after(lost, 5))
    return len(retained)


def test_append_returns_increasing_cursors_and_latest_follows(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            assert await bus.latest() is None
            cursors = await append_all(bus, 5)
            positions = [bus.position(cursor) for cursor in cursors]
            assert positions == sorted(positions)
            assert len(set(positions)) == len(cursors)
            assert await bus.latest() == cursors[-1]

    run(scenario())


def test_an_append_key_appends_once_however_many_publish_it_at_once(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus, opened(backend) as other:
            before = await bus.append(b'{"unkeyed": 1}')
            twins = await asyncio.gather(*(b.append(b'{"event": "E-1"}', "E-1") for b in [bus, other] * 10))
            assert len(set(twins)) == 1
            assert await bus.append(b'{"event": "E-1", "again": true}', "E-1") == twins[0], "a later retry too"
            second = await other.append(b'{"event": "E-2"}', "E-2")
            entries = await bus.read_after(before, 100)
            assert [(e.cursor, e.payload) for e in entries] == [(twins[0], b'{"event": "E-1"}'),
                                                                (second, b'{"event": "E-2"}')]  # fmt: skip

    if backend.name == "memory":  # one process's log: both handles are the same bus

        async def shared(*, max_length: int = 100_000, max_age_seconds: float | None = None) -> EventBus:
            return memory

        memory = MemoryBus()
        backend = Backend(backend.name, shared, backend.cursor_at, backend.until_waiting)
    run(scenario())


def test_memory_bus_forgets_append_keys_with_their_entries() -> None:
    async def scenario() -> None:
        bus = MemoryBus(max_length=2)
        first = await bus.append(b"{}", "E-1")
        await bus.append(b"{}", "E-2")
        assert await bus.append(b"{}", "E-1") == first
        await bus.append(b"{}", "E-3")  # drops E-1's entry
        assert await bus.append(b"{}", "E-1") != first

    run(scenario())


def test_read_after_gives_the_entries_strictly_after_the_cursor_oldest_first(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            cursors = await append_all(bus, 5)
            assert [entry.cursor for entry in await bus.read_after(None, 2)] == cursors[:2]
            assert [entry.cursor for entry in await bus.read_after(None, 100)] == cursors
            assert [entry.cursor for entry in await bus.read_after(cursors[1], 2)] == cursors[2:4]
            assert [entry.payload for entry in await bus.read_after(cursors[3], 100)] == [b'{"event": 4}']
            assert await bus.read_after(cursors[4], 100) == []

    run(scenario())


def test_wait_after_wakes_on_an_append_of_another_task(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            (cursor,) = await append_all(bus, 1)
            waiter = asyncio.create_task(bus.wait_after(cursor, 5))
            await backend.until_waiting()
            assert not waiter.done()
            appended = await bus.append(b"{}")
            started = time.monotonic()
            entries = await waiter
            assert time.monotonic() - started < PROMPT
            assert [entry.cursor for entry in entries] == [appended]

    run(scenario())


def test_wait_after_returns_at_once_when_entries_are_there(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            cursors = await append_all(bus, 3)
            started = time.monotonic()
            assert [entry.cursor for entry in await bus.wait_after(cursors[0], 5)] == cursors[1:]
            assert time.monotonic() - started < PROMPT

    run(scenario())


def test_wait_after_times_out_with_nothing(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            (cursor,) = await append_all(bus, 1)
            for after in (cursor, None):
                started = time.monotonic()
                assert await bus.wait_after(after, 0.1) == []
                assert 0.09 <= time.monotonic() - started < PROMPT
            assert await bus.wait_after(cursor, 0) == []

    run(scenario())


def test_wait_after_none_sees_only_what_is_appended_later(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            await append_all(bus, 2, "before")
            waiter = asyncio.create_task(bus.wait_after(None, 5))
            await backend.until_waiting()
            later = await bus.append(b'{"after": 0}')
            assert [(entry.cursor, entry.payload) for entry in await waiter] == [(later, b'{"after": 0}')]

    run(scenario())


def test_wait_after_none_on_an_empty_bus(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            waiter = asyncio.create_task(bus.wait_after(None, 5))
            await backend.until_waiting()
            first = await bus.append(b"{}")
            assert [entry.cursor for entry in await waiter] == [first]

    run(scenario())


def test_retention_by_length_expires_cursors_whose_successors_were_dropped(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend, max_length=10) as bus:
            appended = await append_all(bus, ENTRIES_PAST_RETENTION)
            kept = await check_retained_boundary(bus, appended)
            assert (kept == 10) if backend.name == "memory" else (10 <= kept < ENTRIES_PAST_RETENTION)

    run(scenario())


def test_retention_by_age_expires_cursors_whose_successors_were_dropped(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend, max_age_seconds=0.3) as bus:
            appended = await append_all(bus, 150, "old")
            await asyncio.sleep(0.4)
            appended.append(await bus.append(b'{"new": 0}'))
            kept = await check_retained_boundary(bus, appended)
            assert (kept == 1) if backend.name == "memory" else (1 <= kept < len(appended))

    run(scenario())


def test_memory_retention_by_age_is_checked_on_read_too() -> None:
    async def scenario() -> None:
        bus = MemoryBus(max_age_seconds=0.1)
        cursors = await append_all(bus, 3)
        await asyncio.sleep(0.15)
        assert await bus.read_after(None, 10) == []
        assert await bus.latest() is None
        assert await bus.read_after(cursors[-1], 10) == []
        await expect_cursor_error("CURSOR_EXPIRED", bus.read_after(cursors[-2], 10))
        await expect_cursor_error("CURSOR_EXPIRED", bus.wait_after(cursors[-2], 5))

    run(scenario())


def test_memory_bus_keeps_exactly_max_length() -> None:
    async def scenario() -> None:
        bus = MemoryBus(max_length=3)
        cursors = await append_all(bus, 5)
        assert [entry.cursor for entry in await bus.read_after(None, 10)] == cursors[2:]

    run(scenario())


GARBAGE = ["", "abc", "-1", "0", "0-0", "07", "1.5", " 1", "1 ", "1\n", "+1", "1-2-3", "1-x", "٣"]
# past what either bus generates: a 20-digit sequence beyond 2**64 - 1, and digits Python would refuse to parse
GARBAGE += ["1" * 30, "1-" + "9" * 20, "1" * 5000]


def test_garbage_and_future_cursors_are_invalid(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            cursors = await append_all(bus, 2)
            newest = bus.position(cursors[-1])
            future = backend.cursor_at((newest[0], newest[1] + 1))
            for cursor in [*GARBAGE, future]:
                await expect_cursor_error("INVALID_CURSOR", bus.read_after(cursor, 10))
                await expect_cursor_error("INVALID_CURSOR", bus.wait_after(cursor, 5))
            for cursor in GARBAGE:
                with pytest.raises(CursorError) as error:
                    bus.position(cursor)
                assert error.value.code == "INVALID_CURSOR"

    run(scenario())


def test_any_cursor_is_invalid_on_an_empty_bus(backend: Backend) -> None:
    async def scenario() -> None:
        async with opened(backend) as bus:
            await expect_cursor_error("INVALID_CURSOR", bus.read_after(backend.cursor_at((1, 1)), 10))

    run(scenario())


def test_payload_bytes_round_trip_exactly(backend: Backend) -> None:
    payloads = [
        '{"model": "Škoda Octavia", "work": "Ölwechsel 5W-30 – ✓", "note": "保养 🚗"}'.encode(),
        b"",
        bytes(range(256)),
    ]

    async def scenario() -> None:
        async with opened(backend) as bus:
            cursors = [await bus.append(payload) for payload in payloads]
            read = await bus.read_after(None, 10)
            assert [(entry.cursor, entry.payload) for entry in read] == list(zip(cursors, payloads, strict=True))

    run(scenario())


def test_two_redis_buses_on_one_stream_share_one_global_order(redis_url: str) -> None:
    async def scenario() -> None:
        first = RedisStreamBus(await connect_redis(redis_url))
        second = RedisStreamBus(await connect_redis(redis_url))
        try:
            alternating = [await bus.append(f'{{"n": {n}}}'.encode()) for n, bus in enumerate([first, second] * 5)]
            concurrent = await asyncio.gather(*(bus.append(b"{}") for bus in [first, second] * 20))
            seen_by_first = [entry.cursor for entry in await first.read_after(None, 100)]
            assert seen_by_first == [entry.cursor for entry in await second.read_after(None, 100)]
            assert seen_by_first[:10] == alternating
            assert set(seen_by_first[10:]) == set(concurrent)

            waiter = asyncio.create_task(first.wait_after(seen_by_first[-1], 5))
            await asyncio.sleep(0.05)
            appended = await second.append(b'{"from": "second"}')
            assert [entry.cursor for entry in await waiter] == [appended]
        finally:
            await first.close()
            await second.close()

    run(scenario())


def test_redis_bus_refuses_a_client_that_decodes_responses_or_speaks_resp3(redis_url: str) -> None:
    for client in (redis.Redis.from_url(redis_url, decode_responses=True), redis.Redis.from_url(redis_url, protocol=3)):
        with pytest.raises(ValueError, match="RESP2 and not decode"):
            RedisStreamBus(client)
