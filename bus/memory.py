"""The event bus of a single process: a bounded in-memory log whose cursors are sequence numbers."""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from typing import NamedTuple

from bus.base import CursorError, Entry
from calculation.echo import quoted

# wait_after hands out at most this many entries at once; the caller resumes from the last one
WAIT_BATCH = 1_000
# digits bounded: int() of thousands of digits is slow and, past 4300, refused
SEQUENCE = re.compile(r"[1-9][0-9]{0,18}")


class Record(NamedTuple):
    sequence: int
    appended_at: float  # time.monotonic(), for retention by age
    payload: bytes


class MemoryBus:
    """An `EventBus` for one process. Cursor "n" is the n-th entry appended; position("n") is (0, n).

    Retention keeps at most `max_length` entries and, when `max_age_seconds` is set, none older than that (age is
    checked on every append and read). A cursor whose successor was dropped raises CURSOR_EXPIRED. Append keys are
    remembered as long as their entries are retained (the log itself does not outlive the process).
    """

    def __init__(self, max_length: int = 100_000, max_age_seconds: float | None = None) -> None:
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        if max_age_seconds is not None and max_age_seconds <= 0:
            raise ValueError(f"max_age_seconds must be positive, not {max_age_seconds}")
        self.max_length = max_length
        self.max_age_seconds = max_age_seconds
        # sequences in the deque are consecutive: the maxlen drops from the left exactly as retention by length does
        self._records: deque[Record] = deque(maxlen=max_length)
        self._last_sequence = 0
        self._appended = asyncio.Condition()
        self._keys: dict[str, int] = {}  # append key -> sequence, in append order

    async def append(self, payload: bytes, key: str | None = None) -> str:
        self._drop_aged()
        if key is not None and key in self._keys:
            return str(self._keys[key])
        self._last_sequence += 1
        self._records.append(Record(self._last_sequence, time.monotonic(), payload))
        if key is not None:
            self._keys[key] = self._last_sequence
        self._forget_dropped_keys()
        async with self._appended:
            self._appended.notify_all()
        return str(self._last_sequence)

    async def read_after(self, cursor: str | None, limit: int) -> list[Entry]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self._drop_aged()
        return self._entries_after(self._first_retained() - 1 if cursor is None else self._sequence(cursor), limit)

    async def wait_after(self, cursor: str | None, timeout: float) -> list[Entry]:
        self._drop_aged()
        after = self._last_sequence if cursor is None else self._sequence(cursor)
        self._check_resumable(after)  # an expired cursor fails now, not after the timeout
        try:
            async with asyncio.timeout(timeout), self._appended:
                await self._appended.wait_for(lambda: self._last_sequence > after)
        except TimeoutError:
            return []
        self._drop_aged()
        return self._entries_after(after, WAIT_BATCH)

    async def latest(self) -> str | None:
        self._drop_aged()
        return str(self._records[-1].sequence) if self._records else None

    def position(self, cursor: str) -> tuple[int, int]:
        return (0, self._sequence(cursor))

    async def close(self) -> None:
        """Nothing to release: the log lives and dies with the process."""

    def _sequence(self, cursor: str) -> int:
        if SEQUENCE.fullmatch(cursor) is None or int(cursor) > self._last_sequence:
            raise CursorError("INVALID_CURSOR", f"cursor {quoted(cursor)} was never given out by this bus")
        return int(cursor)

    def _first_retained(self) -> int:
        return self._records[0].sequence if self._records else self._last_sequence + 1

    def _check_resumable(self, after: int) -> None:
        if after < self._first_retained() - 1:
            raise CursorError(
                "CURSOR_EXPIRED", f"the entries after cursor '{after}' are no longer retained: resubscribe from now"
            )

    def _entries_after(self, after: int, limit: int) -> list[Entry]:
        self._check_resumable(after)
        start = after + 1 - self._first_retained()
        stop = min(start + limit, len(self._records))
        # indexing walks from the nearer end of the deque: cheap for subscribers that are caught up
        records = (self._records[index] for index in range(start, stop))
        return [Entry(str(record.sequence), record.payload) for record in records]

    def _forget_dropped_keys(self) -> None:
        first = self._first_retained()
        while self._keys and (oldest := next(iter(self._keys.items())))[1] < first:
            del self._keys[oldest[0]]

    def _drop_aged(self) -> None:
        if self.max_age_seconds is None:
            return
        oldest_kept = time.monotonic() - self.max_age_seconds
        while self._records and self._records[0].appended_at < oldest_kept:
            self._records.popleft()
