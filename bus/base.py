"""The event bus interface: an append-only, globally ordered log of notifications with cursors and retention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Entry:
    """One notification as the bus keeps it: its cursor (its place in the global order) and its JSON bytes."""

    cursor: str
    payload: bytes


class CursorError(Exception):
    """A cursor the bus cannot resume from: `code` is CURSOR_EXPIRED (older than the retention) or INVALID_CURSOR."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EventBus(Protocol):
    """Every server instance appends to and reads from the same log (one log per bus backend).

    Cursors are opaque strings to clients; `position` orders them. Reading never skips silently: a cursor whose
    successors were already dropped by retention raises CursorError(CURSOR_EXPIRED).
    """

    async def append(self, payload: bytes, key: str | None = None) -> str:
        """Appends once; returns the new entry's cursor. With a `key` already appended (within the bus's
        deduplication window), appends nothing and returns that entry's cursor: publishers that cannot tell
        whether an earlier attempt went through (a retry, a concurrent twin) publish an event exactly once."""
        ...

    async def read_after(self, cursor: str | None, limit: int) -> list[Entry]:
        """Up to `limit` entries strictly after `cursor` (None: from the oldest retained), oldest first."""
        ...

    async def wait_after(self, cursor: str | None, timeout: float) -> list[Entry]:
        """Entries strictly after `cursor`, waiting up to `timeout` seconds for the first one ([] on timeout).
        `cursor` None waits for entries appended after the call."""
        ...

    async def latest(self) -> str | None:
        """The cursor of the newest entry, None when the log is empty."""
        ...

    def position(self, cursor: str) -> tuple[int, int]:
        """A sortable form of a cursor; raises CursorError(INVALID_CURSOR) for one this bus never gave out."""
        ...

    async def close(self) -> None: ...
