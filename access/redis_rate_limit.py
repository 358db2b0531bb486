"""Rate limits shared by every server instance: token buckets in Redis, decided by one script on Redis's clock.

Apart from `access.rate_limit` so that a server without the Redis bus never loads the Redis client."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from access.rate_limit import EPSILON, EXPIRY_MARGIN_MS, RECHECK_SECONDS, Decision, MemoryRateLimiter, capacity

log = logging.getLogger("aftersales")

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
