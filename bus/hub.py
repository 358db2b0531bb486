"""Fans the bus out to this server's subscribers: one reader per process, a bounded queue per subscriber."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import orjson

from bus.base import EventBus

log = logging.getLogger(__name__)
REPLAY_PAGE = 500
POLL_SECONDS = 1.0
RETRY_SECONDS = 1.0


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
                    delivery = Delivery(entry.cursor, orjson.loads(entry.payload))
                    last = bus.position(entry.cursor)
                    cursor = entry.cursor
                    if self._accepts(delivery.notification):
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
    """Owns the process's reader task; started and stopped by the application's lifespan."""

    def __init__(self, bus: EventBus, queue_size: int = 1000) -> None:
        self.bus = bus
        self.queue_size = queue_size
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

    async def _read(self) -> None:
        cursor: str | None = None
        started = False
        while True:
            try:
                if not started:
                    cursor = await self.bus.latest()  # live from here: earlier entries are replay, not news
                    started = True
                    self._started.set()
                if cursor is None:
                    # an empty log: wake on the first append, then read from the origin, since an append made
                    # just before the wait began would not wake it (it is then found a poll later)
                    await self.bus.wait_after(None, POLL_SECONDS)
                    entries = await self.bus.read_after(None, REPLAY_PAGE)
                else:
                    entries = await self.bus.wait_after(cursor, POLL_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:  # the bus is down: keep serving, try again shortly
                log.exception("event bus read failed; retrying")
                self._started.set()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for entry in entries:
                cursor = entry.cursor
                delivery = Delivery(entry.cursor, orjson.loads(entry.payload))
                for subscription in list(self._subscriptions):
                    subscription.offer(delivery)
