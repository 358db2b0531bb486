"""The event bus every server instance shares: one Redis stream (Redis ≥ 7.0) whose entry ids are the cursors."""

from __future__ import annotations

import re
import time
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ResponseError

from bus.base import CursorError, Entry
from calculation.echo import quoted

# wait_after hands out at most this many entries at once; the caller resumes from the last one
WAIT_BATCH = 1_000
# XREAD BLOCK waits in slices of at most this, and at most half the client's socket timeout, so that a blocked read
# is never taken for a dead connection
WAIT_SLICE_SECONDS = 1.0
DEFAULT_TIMEOUT_SECONDS = 2.0
# how long an append key is remembered: far longer than any client retries a request
KEY_SECONDS = 7 * 24 * 3600
PAYLOAD = b"payload"
# Each entry names the id generated just before it. Trimming does not update XINFO's max-deleted-entry-id (only
# XDEL does), so this is how a reader tells whether the oldest retained entry directly follows its cursor.
PREVIOUS = b"previous"
# digits bounded: int() of thousands of digits is slow and, past 4300, refused
ENTRY_ID = re.compile(r"(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})")
ID_PART_MAX = 2**64 - 1

# One script, so that the key check, reading the last id, adding and trimming happen at once and against the server's
# clock. KEYS[1]: the stream, KEYS[2] (optional): the append key's record; ARGV: payload, max length (0: none), max
# age in milliseconds (0: none), seconds to remember the append key.
APPEND = """
if KEYS[2] then
  local earlier = redis.call('GET', KEYS[2])
  if earlier then return earlier end
end
local previous = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then previous = info[i + 1] end
  end
end
local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[1], 'previous', previous)
local max_length = tonumber(ARGV[2])
if max_length > 0 then
  redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', max_length)
end
local max_age_ms = tonumber(ARGV[3])
if max_age_ms > 0 then
  local now = redis.call('TIME')
  local oldest_kept = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - max_age_ms
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', math.max(oldest_kept, 0)))
end
if KEYS[2] then redis.call('SET', KEYS[2], id, 'EX', ARGV[4]) end
return id
"""


async def connect_redis(url: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> redis.Redis:
    """A client for `RedisStreamBus`: raw bytes, since payloads are bytes; every connect and every reply waited for
    at most `timeout_seconds`, so that an unreachable or hung server is an error, not a hung request. Checked
    with a PING."""
    client = redis.Redis.from_url(
        url, decode_responses=False, socket_connect_timeout=timeout_seconds, socket_timeout=timeout_seconds
    )
    await client.ping()
    return client


def parse_id(cursor: str) -> tuple[int, int]:
    """A client's cursor as (milliseconds, sequence); 0-0 is never generated, so never given out."""
    match = ENTRY_ID.fullmatch(cursor)
    position = (0, 0) if match is None else (int(match[1]), int(match[2]))
    if position == (0, 0) or max(position) > ID_PART_MAX:
        raise CursorError("INVALID_CURSOR", f"cursor {quoted(cursor)} is not a stream entry id")
    return position


def server_id(raw: bytes) -> tuple[int, int]:
    """An id as the server reports it (0-0 included: no entry yet, nothing deleted)."""
    milliseconds, sequence = raw.split(b"-")
    return int(milliseconds), int(sequence)


def entries(rows: Any) -> list[Entry]:
    """XRANGE rows, [(id, {field: value})] from a client that does not decode responses. An entry without a
    payload (not written by this bus) gets an empty one, which no reader takes for a notification."""
    return [Entry(entry_id.decode(), fields.get(PAYLOAD, b"")) for entry_id, fields in rows]


def missing_stream(error: ResponseError) -> bool:
    return "no such key" in str(error)


class RedisStreamBus:
    """An `EventBus` on one Redis stream, shared by every instance that appends to it through this class.

    Cursors are stream entry ids ("1732612345678-0"), position is (milliseconds, sequence). Retention trims
    approximately (`~`: whole stream nodes, 100 entries by default), so somewhat more than `max_length` entries, or
    entries a little older than `max_age_seconds`, may stay. An append key is remembered for KEY_SECONDS in a key of
    its own beside the stream. The bus owns `client` and closes it in `close`.
    """

    def __init__(
        self,
        client: redis.Redis,
        stream: str = "aftersales:service-events",
        max_length: int | None = 100_000,
        max_age_seconds: float | None = None,
    ) -> None:
        connection = client.connection_pool.connection_kwargs
        # replies are read in their RESP2 shapes, and payloads are bytes
        if connection.get("decode_responses") or str(connection.get("protocol") or 2) != "2":
            raise ValueError("the Redis client must speak RESP2 and not decode responses")
        if max_length is not None and max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        if max_age_seconds is not None and max_age_seconds <= 0:
            raise ValueError(f"max_age_seconds must be positive, not {max_age_seconds}")
        self.stream = stream
        self.max_length = max_length
        self.max_age_seconds = max_age_seconds
        self._client = client
        self._append = client.register_script(APPEND)
        socket_timeout = connection.get("socket_timeout")
        self._wait_slice = WAIT_SLICE_SECONDS if socket_timeout is None else min(WAIT_SLICE_SECONDS, socket_timeout / 2)

    async def append(self, payload: bytes, key: str | None = None) -> str:
        max_age_ms = 0 if self.max_age_seconds is None else max(1, round(self.max_age_seconds * 1000))
        keys = [self.stream] if key is None else [self.stream, f"{self.stream}:appended:{key}"]
        entry_id = await self._append(keys=keys, args=[payload, self.max_length or 0, max_age_ms, KEY_SECONDS])
        if not isinstance(entry_id, bytes):
            raise TypeError(f"XADD answered {entry_id!r}, not an entry id")
        return entry_id.decode()

    async def read_after(self, cursor: str | None, limit: int) -> list[Entry]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if cursor is None:
            return entries(await self._client.xrange(self.stream, "-", "+", count=limit))
        return await self._read_after(cursor, parse_id(cursor), limit)

    async def wait_after(self, cursor: str | None, timeout: float) -> list[Entry]:
        deadline = time.monotonic() + timeout
        if cursor is None:
            # "after the call" is after the id generated last when the call reaches the server
            cursor, after = await self._last_generated()
        else:
            after = parse_id(cursor)
            ready = await self._read_after(cursor, after, WAIT_BATCH)
            if ready:
                return ready
        while (remaining := deadline - time.monotonic()) > 0:
            # XREAD only wakes us: _read_after then reads the batch and checks retention in one transaction
            woken = await self._client.xread(
                {self.stream: cursor}, count=1, block=max(1, round(min(remaining, self._wait_slice) * 1000))
            )
            if woken:
                return await self._read_after(cursor, after, WAIT_BATCH)
        return []

    async def latest(self) -> str | None:
        newest = entries(await self._client.xrevrange(self.stream, "+", "-", count=1))
        return newest[0].cursor if newest else None

    def position(self, cursor: str) -> tuple[int, int]:
        """Checks the form only: whether the stream generated that id is known to the server alone."""
        return parse_id(cursor)

    async def close(self) -> None:
        await self._client.aclose()

    async def _last_generated(self) -> tuple[str, tuple[int, int]]:
        try:
            info = await self._client.xinfo_stream(self.stream)
        except ResponseError as error:
            if not missing_stream(error):
                raise
            return "0-0", (0, 0)
        raw: bytes = info["last-generated-id"]
        return raw.decode(), server_id(raw)

    async def _read_after(self, cursor: str, after: tuple[int, int], limit: int) -> list[Entry]:
        # one transaction: the retention the check sees is the one the range was read under
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.xinfo_stream(self.stream)
            pipe.xrange(self.stream, f"({cursor}", "+", count=limit)
            try:
                info, rows = await pipe.execute()
            except ResponseError as error:
                if not missing_stream(error):
                    raise
                info, rows = None, []
        self._check_resumable(cursor, after, info)
        return entries(rows)

    def _check_resumable(self, cursor: str, after: tuple[int, int], info: dict[str, Any] | None) -> None:
        if info is None or after > server_id(info["last-generated-id"]):
            raise CursorError("INVALID_CURSOR", f"cursor {cursor!r} is beyond the newest entry of the stream")
        first = info["first-entry"]
        # every id up to `covered` was generated before the oldest retained entry, so nothing after it was trimmed;
        # an entry written without PREVIOUS (not by this bus) only vouches for itself
        covered = info["last-generated-id"] if first is None else first[1].get(PREVIOUS, first[0])
        # an entry removed with XDEL (never by this bus) leaves a gap after every cursor before it
        if after < server_id(covered) or after < server_id(info["max-deleted-entry-id"]):
            raise CursorError(
                "CURSOR_EXPIRED", f"the entries after cursor {cursor!r} are no longer retained: resubscribe from now"
            )
