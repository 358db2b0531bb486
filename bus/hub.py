"""Fans the bus out to this server's subscribers: one reader per process, a bounded queue per subscriber."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson

from bus.base import CursorError, Entry, EventBus

log = logging.getLogger(__name__)
REPLAY_PAGE = 500
POLL_SECONDS = 1.0
# a bus that fails is asked again after a capped, jittered, exponentially growing pause
RETRY_BASE_SECONDS = 0.1
RETRY_CAP_SECONDS = 5.0

Decode = Callable[[bytes], dict[str, Any]]
"""A payload as a notification; raises one of MALFORMED for one that is not."""
MALFORMED = (ValueError, KeyError, TypeError, ArithmeticError)  # ArithmeticError: decimal.InvalidOperation


def json_object(payload: bytes) -> dict[str, Any]:
    decoded = orjson.loads(payload)
    if not isinstance(decoded, dict):
        raise ValueError("a notification is a JSON object")
    return decoded


@dataclass(frozen=True)
class Delivery:
    """A bus entry with its notification decoded once for every subscriber."""

    cursor: str
    notification: dict[str, Any]


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed: it is dropped, and told so, rather than slowing everyone."""


class Subscription:
    """One subscriber's view of the bus: the replay after its cursor, then live notifications, each once, in order."""

    def __init__(self, hub: Hub, accepts: Callable[[dict[str, Any]], bool], on_overflow: Callable[[], None]) -> None:
        self._hub = hub
        self._accepts = accepts
        self._on_overflow = on_overflow
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=hub.queue_size)
        self.overflowed = False

    def offer(self, delivery: Delivery) -> None:
        """Called by the hub's reader; never blocks, so one slow subscriber cannot hold the others up."""
        if self.overflowed or not self._accepts(delivery.notification):
            return
        try:
            self._queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.overflowed = True
            self._hub.leave(self)
            self._on_overflow()

    async def deliveries(self, after: str | None) -> AsyncIterator[Delivery]:
        """Everything after `after` (raises bus.base.CursorError if the bus cannot resume there), then live."""
        bus = self._hub.bus
        last = bus.position(after) if after is not None else None
        if after is not None:
            cursor: str | None = after
            while True:
                page = await bus.read_after(cursor, REPLAY_PAGE)
                for entry in page:
                    last = bus.position(entry.cursor)
                    cursor = entry.cursor
                    delivery = self._hub.decoded(entry)  # a malformed entry was counted when the reader met it
                    if delivery is not None and self._accepts(delivery.notification):
                        yield delivery
                if len(page) < REPLAY_PAGE:
                    break
        while True:
            if self.overflowed:
                raise SubscriberTooSlow
            delivery = await self._queue.get()
            position = bus.position(delivery.cursor)
            if last is not None and position <= last:
                continue  # already replayed: the live queue was attached before the replay began
            last = position
            yield delivery

    def close(self) -> None:
        self._hub.leave(self)


class Hub:
    """Owns the process's reader task; started and stopped by the application's lifespan.

    The reader outlives the bus's failures: a malformed entry is logged, counted (`malformed`) and skipped; a bus
    that cannot be read is retried with backoff while `down_since` says since when (for the readiness check).
    """

    def __init__(self, bus: EventBus, queue_size: int = 1000, decode: Decode = json_object) -> None:
        self.bus = bus
        self.queue_size = queue_size
        self.malformed = 0
        self.down_since: float | None = None
        """time.time() of the first failed read of the current outage; None while the bus answers."""
        self._decode = decode
        self._subscriptions: set[Subscription] = set()
        self._reader: asyncio.Task[None] | None = None
        self._started = asyncio.Event()

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read())
        await self._started.wait()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader

    def join(self, accepts: Callable[[dict[str, Any]], bool], on_overflow: Callable[[], None]) -> Subscription:
        subscription = Subscription(self, accepts, on_overflow)
        self._subscriptions.add(subscription)
        return subscription

    def leave(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def decoded(self, entry: Entry) -> Delivery | None:
        """The entry as a delivery, None when its payload is not a notification."""
        try:
            return Delivery(entry.cursor, self._decode(entry.payload))
        except MALFORMED:
            return None

    async def _read(self) -> None:
        cursor: str | None = None
        started = False
        failures = 0
        while True:
            try:
                if not started:
                    cursor = await self.bus.latest()  # live from here: earlier entries are replay, not news
                    started = True
                    self._up()
                if cursor is None:
                    # an empty log: wake on the first append, then read from the origin, since an append made
                    # just before the wait began would not wake it (it is then found a poll later)
                    await self.bus.wait_after(None, POLL_SECONDS)
                    entries = await self.bus.read_after(None, REPLAY_PAGE)
                else:
                    entries = await self.bus.wait_after(cursor, POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except CursorError as exc:
                # the log was trimmed past the reader, or replaced (a Redis server restarted without its data)
                log.warning("event bus cannot resume after %s (%s); reading live from its newest entry", cursor, exc)
                started = False
                continue
            except Exception as exc:  # the bus is down: keep serving, try again after a pause
                failures += 1
                if self.down_since is None:
                    self.down_since = time.time()
                    log.error("event bus read failed; retrying with backoff: %r", exc)
                self._started.set()
                await asyncio.sleep(random.uniform(0, min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2**failures)))
                continue
            self._up()
            failures = 0
            for entry in entries:
                cursor = entry.cursor
                delivery = self.decoded(entry)
                if delivery is None:
                    self.malformed += 1
                    log.error("event bus entry %s is not a notification, skipped: %r", cursor, entry.payload[:200])
                    continue
                for subscription in list(self._subscriptions):
                    subscription.offer(delivery)

    def _up(self) -> None:
        if self.down_since is not None:
            log.warning("event bus is back after %.1f s", time.time() - self.down_since)
            self.down_since = None
        self._started.set()
