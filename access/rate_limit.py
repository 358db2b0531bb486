"""How often a principal may ask: a token bucket per principal, in one process or shared by every instance through
Redis."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger("aftersales")

BURST_SECONDS = 2.0
"""A bucket holds this many seconds' worth of tokens: bursts of twice the rate."""
# Floating-point refills land a hair short of a whole token (0.1 × 10 is not 1): that is a token, not a refusal
# that would ask the client to come back in a picosecond.
EPSILON = 1e-9
# a bucket's key outlives the time it takes to refill by this, so that no key expires before its bucket is full
EXPIRY_MARGIN_MS = 1_000
RECHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether one request may go ahead; if not, how long until the principal has a whole token again."""

    allowed: bool
    retry_after_seconds: float
    """0.0 when allowed, otherwise > 0."""


class RateLimiter(Protocol):
    """One token per request from a bucket of 2 × `rate_per_second` tokens that refills at `rate_per_second`; a
    principal not seen before (or not for long) has a full bucket."""

    async def take(self, principal_id: str, rate_per_second: float) -> Decision: ...


def capacity(rate_per_second: float) -> float:
    """The bucket's size; at least one token, so that a rate below 0.5/s still lets a request through now and then."""
    if not (math.isfinite(rate_per_second) and rate_per_second > 0):
        raise ValueError(f"a rate must be a positive number of requests per second, not {rate_per_second!r}")
    return max(1.0, BURST_SECONDS * rate_per_second)


class Bucket:
    """Tokens as of `at`; the refill since then is computed when the bucket is next read."""

    __slots__ = ("at", "rate", "tokens")

    def __init__(self, tokens: float, at: float, rate: float) -> None:
        self.tokens = tokens
        self.at = at
        self.rate = rate

    def refilled(self, now: float, rate: float) -> float:
        # a clock that stepped back refills nothing rather than taking tokens away
        return min(capacity(rate), self.tokens + max(0.0, now - self.at) * rate)

    def full(self, now: float) -> bool:
        return self.refilled(now, self.rate) >= capacity(self.rate) - EPSILON


class MemoryRateLimiter:
    """The buckets of one server process, at most `max_principals` of them.

    Buckets are kept least recently used first. A bucket that has refilled completely is the same as none, so such
    buckets are dropped from the front as requests come (two per request: O(1), no background task). A new
    principal arriving when `max_principals` buckets are held and none of them is full evicts the least recently
    used one, whose principal then starts over with a full bucket: only then does the bound change a decision.
    """

    def __init__(self, max_principals: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if max_principals < 1:
            raise ValueError(f"max_principals must be at least 1, not {max_principals}")
        self.max_principals = max_principals
        self._clock = clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def __len__(self) -> int:
        """How many buckets are held."""
        return len(self._buckets)

    async def take(self, principal_id: str, rate_per_second: float) -> Decision:
        # nothing here awaits, so each call is atomic within the event loop
        size = capacity(rate_per_second)
        now = self._clock()
        # two per request, so that the full ones drain faster than new principals arrive
        for _ in range(2):
            self._drop_oldest_if_full(now)
        bucket = self._buckets.get(principal_id)
        if bucket is None:
            if len(self._buckets) >= self.max_principals:
                self._buckets.popitem(last=False)
            bucket = self._buckets[principal_id] = Bucket(size, now, rate_per_second)
        else:
            self._buckets.move_to_end(principal_id)
            bucket.tokens = bucket.refilled(now, rate_per_second)
            bucket.at = now
            bucket.rate = rate_per_second
        if bucket.tokens >= 1.0 - EPSILON:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            return Decision(True, 0.0)
        return Decision(False, (1.0 - bucket.tokens) / rate_per_second)

    def _drop_oldest_if_full(self, now: float) -> None:
        if self._buckets:
            oldest = next(iter(self._buckets.values()))
            if oldest.full(now):
                self._buckets.popitem(last=False)


# Read, refill, take and write at once and by the server's clock, so that instances whose clocks disagree share one
# bucket correctly. KEYS[1]: the principal's hash (tokens, and `at` in microseconds of the server's clock); ARGV:
# rate per second, capacity, epsilon, expiry margin in milliseconds. Answers {1 allowed / 0 refused, retry after
# in seconds as text} (a Lua number would reach the client truncated to an integer).
TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local epsilon = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tokens = capacity
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local before, at = tonumber(state[1]), tonumber(state[2])
if before and at then
  -- after a failover to a server whose clock is behind, nothing is refilled rather than tokens taken away
  tokens = math.min(capacity, before + math.max(0, now - at) / 1000000 * rate)
end
local allowed, retry_after = 0, 0
if tokens >= 1 - epsilon then
  allowed = 1
  tokens = math.max(0, tokens - 1)
else
  retry_after = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
-- once the bucket would be full again the key is not needed: an absent bucket is a full one
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + tonumber(ARGV[4]))
return {allowed, string.format('%.17g', retry_after)}
"""


def bucket_key(prefix: str, principal_id: str) -> str:
    """The principal's key: a digest, so that no id (whatever its characters or length) reaches another's key or
    outside `prefix`. surrogatepass: a JWT `sub` may hold a lone surrogate, which is still one distinct id."""
    return prefix + hashlib.sha256(principal_id.encode("utf-8", "surrogatepass")).hexdigest()


class RedisRateLimiter:
    """Buckets in Redis (one hash per principal, expiring once full), shared by every instance using one Redis.

    When Redis does not answer, requests are decided by `fallback` (each instance then limits on its own) and
    one warning is logged for the outage; Redis is asked again at most every `recheck_seconds` by one request,
    and used again as soon as it answers. How long the first request of an outage waits is up to the client's
    socket timeouts and retries. The caller owns `client` (and closes it).
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "aftersales:rate:",
        fallback: MemoryRateLimiter | None = None,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self.prefix = prefix
        self.fallback = MemoryRateLimiter() if fallback is None else fallback
        self.recheck_seconds = recheck_seconds
        self._take = client.register_script(TAKE)
        # None while Redis answers; otherwise when it is next asked
        self._recheck_at: float | None = None

    @property
    def shared(self) -> bool:
        """Whether decisions are currently made in Redis."""
        return self._recheck_at is None

    async def take(self, principal_id: str, rate_per_second: float) -> Decision:
        size = capacity(rate_per_second)
        if self._recheck_at is not None:
            if time.monotonic() < self._recheck_at:
                return await self.fallback.take(principal_id, rate_per_second)
            # this request asks Redis; those arriving meanwhile keep to the fallback
            self._recheck_at = time.monotonic() + self.recheck_seconds
        try:
            answer = await self._take(
                keys=[bucket_key(self.prefix, principal_id)],
                args=[repr(rate_per_second), repr(size), repr(EPSILON), EXPIRY_MARGIN_MS],
            )
        except (RedisError, OSError) as error:
            if self._recheck_at is None:
                log.warning("Redis does not answer (%s): rate limits are per server instance until it does", error)
            self._recheck_at = time.monotonic() + self.recheck_seconds
            return await self.fallback.take(principal_id, rate_per_second)
        if self._recheck_at is not None:
            log.info("Redis answers again: rate limits are shared again")
            self._recheck_at = None
        return decision(answer)


def decision(answer: Any) -> Decision:
    """The script's answer, whether or not the client decodes responses."""
    allowed, retry_after = answer
    return Decision(bool(allowed), 0.0 if allowed else float(retry_after))
