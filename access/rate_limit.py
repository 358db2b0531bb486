"""How often a principal may ask: a token bucket per principal, in one process (shared by every instance through
Redis: `access.redis_rate_limit`)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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
