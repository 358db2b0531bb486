"""The token bucket per principal: in memory on a fake clock, and shared through a real redis-server."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import time
from collections.abc import Coroutine
from typing import Any

import pytest
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from access.rate_limit import Decision, MemoryRateLimiter, RateLimiter
from access.redis_rate_limit import RedisRateLimiter, bucket_key
from tests.bus.redis_server import RedisServer

PREFIX = "aftersales:rate:"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


async def takes(limiter: RateLimiter, principal_id: str, rate: float, count: int) -> list[Decision]:
    return [await limiter.take(principal_id, rate) for _ in range(count)]


async def allowed_in_a_row(limiter: RateLimiter, principal_id: str, rate: float, limit: int = 1_000) -> int:
    """How many requests go through back to back before the first refusal."""
    for count in range(limit):
        if not (await limiter.take(principal_id, rate)).allowed:
            return count
    raise AssertionError(f"{limit} requests in a row were allowed")


# in memory, on a fake clock


def test_a_new_principal_has_a_burst_of_twice_the_rate_then_waits_for_one_token() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(clock=clock)
        decisions = await takes(limiter, "alice", 5, 11)
        assert decisions[:10] == [Decision(True, 0.0)] * 10
        assert decisions[10].allowed is False
        assert decisions[10].retry_after_seconds == pytest.approx(0.2)
        clock.advance(0.15)
        refused = await limiter.take("alice", 5)
        assert refused.allowed is False
        assert refused.retry_after_seconds == pytest.approx(0.05)
        # waiting exactly what it was told gets the request through, and only that one
        clock.advance(refused.retry_after_seconds)
        assert await limiter.take("alice", 5) == Decision(True, 0.0)
        again = await limiter.take("alice", 5)
        assert again.allowed is False
        assert again.retry_after_seconds == pytest.approx(0.2)

    run(scenario())


def test_tokens_refill_at_the_rate_up_to_the_burst() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(clock=clock)
        assert await allowed_in_a_row(limiter, "alice", 10) == 20
        clock.advance(0.5)
        assert await allowed_in_a_row(limiter, "alice", 10) == 5
        clock.advance(3600)
        assert await allowed_in_a_row(limiter, "alice", 10) == 20
        # min(2r, tokens + r·t): 20 - 7 = 13 left, 0.4 s later 17
        clock.advance(3600)
        assert all(decision.allowed for decision in await takes(limiter, "alice", 10, 7))
        clock.advance(0.4)
        assert await allowed_in_a_row(limiter, "alice", 10) == 17

    run(scenario())


def test_fractional_rates() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(clock=clock)
        # 0.5/s: a burst of one, then one every 2 s
        assert await limiter.take("slow", 0.5) == Decision(True, 0.0)
        refused = await limiter.take("slow", 0.5)
        assert refused.allowed is False
        assert refused.retry_after_seconds == pytest.approx(2.0)
        clock.advance(1.0)
        assert (await limiter.take("slow", 0.5)).retry_after_seconds == pytest.approx(1.0)
        clock.advance(1.0)
        assert await limiter.take("slow", 0.5) == Decision(True, 0.0)
        # 1.5/s: a burst of three, then one every 2/3 s
        assert await allowed_in_a_row(limiter, "steady", 1.5) == 3
        assert (await limiter.take("steady", 1.5)).retry_after_seconds == pytest.approx(2 / 3)
        # 0.75/s: a bucket of 1.5 tokens; half a token is left after the first request
        assert await allowed_in_a_row(limiter, "odd", 0.75) == 1
        assert (await limiter.take("odd", 0.75)).retry_after_seconds == pytest.approx(0.5 / 0.75)
        # below 0.5/s the bucket still holds one whole token, or no request would ever pass
        assert await allowed_in_a_row(limiter, "slowest", 0.25) == 1
        assert (await limiter.take("slowest", 0.25)).retry_after_seconds == pytest.approx(4.0)

    run(scenario())


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_a_rate_must_be_a_positive_number(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        asyncio.run(MemoryRateLimiter().take("alice", rate))


def test_principals_have_buckets_of_their_own() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(clock=clock)
        assert await allowed_in_a_row(limiter, "alice", 5) == 10
        assert await allowed_in_a_row(limiter, "bob", 2) == 4
        clock.advance(0.1)
        assert (await limiter.take("alice", 5)).retry_after_seconds == pytest.approx(0.1)
        assert (await limiter.take("bob", 2)).retry_after_seconds == pytest.approx(0.4)
        assert await allowed_in_a_row(limiter, "carol", 5) == 10

    run(scenario())


def test_memory_holds_at_most_max_principals_and_dropping_full_buckets_changes_no_decision() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        bounded = MemoryRateLimiter(max_principals=3, clock=clock)
        unbounded = MemoryRateLimiter(max_principals=1_000, clock=clock)
        choose = random.Random(7)
        ids = [f"principal-{number}" for number in range(12)]
        decisions: list[tuple[Decision, Decision]] = []
        peak = 0
        # waves of three principals at a time, 2 s apart, the later waves coming back to principals dropped before
        for wave in range(8):
            active = [ids[(wave * 3 + offset) % len(ids)] for offset in range(3)]
            for _ in range(30):
                principal_id = choose.choice(active)
                decisions.append((await bounded.take(principal_id, 2), await unbounded.take(principal_id, 2)))
                peak = max(peak, len(bounded))
                assert peak <= 3
                clock.advance(choose.choice([0.0, 0.01, 0.05, 0.1]))
            clock.advance(2.0)
        assert [mine for mine, _ in decisions] == [theirs for _, theirs in decisions]
        # the scenario is a real one: there were refusals, and the bound was reached
        assert sum(not mine.allowed for mine, _ in decisions) > 20
        assert peak == 3

    run(scenario())


def test_only_when_no_bucket_is_full_is_the_least_recently_used_one_evicted() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(max_principals=2, clock=clock)
        assert await allowed_in_a_row(limiter, "alice", 5) == 10
        assert await allowed_in_a_row(limiter, "bob", 5) == 10
        clock.advance(1.0)
        # neither bucket is full: carol's evicts alice's, the least recently used, and keeps bob's
        assert await limiter.take("carol", 5) == Decision(True, 0.0)
        assert len(limiter) == 2
        assert await allowed_in_a_row(limiter, "bob", 5) == 5
        # alice starts over with a full bucket: the one case where the bound changes a decision
        assert await allowed_in_a_row(limiter, "alice", 5) == 10
        # many at once, none of them full
        for number in range(1_000):
            await limiter.take(f"crowd-{number}", 5)
            assert len(limiter) <= 2
        assert (await limiter.take("crowd-999", 5)).allowed

    run(scenario())


def test_full_buckets_are_dropped_as_requests_come() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = MemoryRateLimiter(clock=clock)
        for number in range(5):
            await limiter.take(f"idle-{number}", 5)
        assert len(limiter) == 5
        clock.advance(0.19)
        await limiter.take("busy", 5)
        assert len(limiter) == 6  # not full yet: 4.81 + 0.95 < 10
        clock.advance(2.0)
        for _ in range(3):
            await limiter.take("busy", 5)
        assert len(limiter) == 1

    run(scenario())


# shared through a real Redis


def connect(url: str, *, decode_responses: bool = False, timeout: float = 2.0, retries: int = 3) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=decode_responses,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), retries),
    )


def test_redis_burst_of_twice_the_rate_then_refusal_until_a_token_is_back(redis_url: str) -> None:
    async def scenario() -> None:
        async with connect(redis_url) as client:
            limiter = RedisRateLimiter(client)
            assert await takes(limiter, "alice", 5, 10) == [Decision(True, 0.0)] * 10
            refused = await limiter.take("alice", 5)
            assert refused.allowed is False
            # 0.2 s for a token, less the sliver refilled while the ten were taken
            assert 0.1 < refused.retry_after_seconds <= 0.2
            await asyncio.sleep(refused.retry_after_seconds)
            assert await limiter.take("alice", 5) == Decision(True, 0.0)
            assert (await limiter.take("alice", 5)).allowed is False
            await asyncio.sleep(0.4)
            assert await allowed_in_a_row(limiter, "alice", 5) == 2

    run(scenario())


def test_two_instances_share_one_bucket(redis_url: str) -> None:
    async def scenario() -> None:
        # two servers, each with its own client (one decoding responses, one not)
        async with connect(redis_url) as first_client, connect(redis_url, decode_responses=True) as second_client:
            first, second = RedisRateLimiter(first_client), RedisRateLimiter(second_client)
            decisions = [await (first if turn % 2 else second).take("alice", 10) for turn in range(22)]
            assert [decision.allowed for decision in decisions] == [True] * 20 + [False] * 2
            assert all(0 < decision.retry_after_seconds <= 0.1 for decision in decisions[20:])
            assert await allowed_in_a_row(first, "bob", 10) == 20
            assert (await second.take("bob", 10)).allowed is False

    run(scenario())


HOSTILE_IDS = [
    "alice",
    "alice:*",
    "*",
    "",
    ":",
    "aftersales:rate:alice",
    PREFIX,
    bucket_key(PREFIX, "alice")[len(PREFIX) :],
    bucket_key(PREFIX, "alice"),
    "alice\r\nFLUSHALL\r\n",
    "a" * 100_000,
    "ünïcødé ключ 🔑",
    "\ud800",
    "\x00",
]


def test_principals_never_share_a_bucket_whatever_their_ids(redis_url: str) -> None:
    async def scenario() -> None:
        async with connect(redis_url) as client:
            limiter = RedisRateLimiter(client)
            for principal_id in HOSTILE_IDS:
                assert await allowed_in_a_row(limiter, principal_id, 5) == 10, repr(principal_id[:40])
            keys = [key if isinstance(key, str) else key.decode() for key in await client.keys("*")]
            assert len(keys) == len(HOSTILE_IDS)
            assert all(key.startswith(PREFIX) and len(key) == len(PREFIX) + 64 for key in keys)
            # another prefix is another set of buckets
            assert await allowed_in_a_row(RedisRateLimiter(client, prefix="other:"), "alice", 5) == 10
            assert len(await client.keys("other:*")) == 1

    run(scenario())


def test_a_bucket_expires_once_it_would_be_full_again(redis_url: str) -> None:
    async def scenario() -> None:
        async with connect(redis_url) as client:
            limiter = RedisRateLimiter(client)
            key = bucket_key(PREFIX, "alice")
            await limiter.take("alice", 10)
            # 0.1 s to refill one token, plus the margin
            assert 0 < await client.pttl(key) <= 1_100
            await takes(limiter, "alice", 10, 19)
            assert 1_100 < await client.pttl(key) <= 3_000
            await takes(limiter, "bob", 10, 1)
            await asyncio.sleep(1.2)
            assert await client.exists(bucket_key(PREFIX, "bob")) == 0
            assert await client.exists(key) == 1

    run(scenario())


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "aftersales" and r.levelno == logging.WARNING]


async def until_shared(limiter: RedisRateLimiter) -> None:
    deadline = time.monotonic() + 1.0
    while not limiter.shared:
        assert time.monotonic() < deadline, "the limiter did not go back to Redis"
        await asyncio.sleep(0.05)
        await limiter.take("probe", 1_000)


def test_without_redis_each_instance_limits_on_its_own_and_comes_back_to_redis(
    stoppable_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aftersales")

    async def scenario() -> None:
        url = stoppable_redis.url
        async with connect(url, timeout=0.5, retries=0) as client, connect(url) as other_client:
            fallback = MemoryRateLimiter()
            limiter = RedisRateLimiter(client, fallback=fallback, recheck_seconds=0.1)
            assert all(decision.allowed for decision in await takes(limiter, "alice", 5, 4))
            assert (limiter.shared, len(fallback)) == (True, 0)

            stoppable_redis.stop()
            # decided in this process, by a bucket of its own that starts full
            assert await allowed_in_a_row(limiter, "alice", 5) == 10
            await asyncio.sleep(0.15)  # past a recheck, which fails too
            assert (await limiter.take("alice", 5)).allowed is False
            assert (limiter.shared, len(fallback)) == (False, 1)
            assert len(warnings(caplog)) == 1
            assert "Redis" in warnings(caplog)[0]

            stoppable_redis.restart()
            await until_shared(limiter)
            # shared again: the other instance takes from the same (new) bucket
            await limiter.take("alice", 5)
            assert await allowed_in_a_row(RedisRateLimiter(other_client), "alice", 5) == 9
            assert (await limiter.take("alice", 5)).allowed is False
            assert len(warnings(caplog)) == 1

    run(scenario())


def test_a_redis_that_hangs_is_an_outage_too(stoppable_redis: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="aftersales")

    async def scenario() -> None:
        async with connect(stoppable_redis.url, timeout=0.2, retries=0) as client:
            limiter = RedisRateLimiter(client, recheck_seconds=0.1)
            assert await limiter.take("alice", 0.5) == Decision(True, 0.0)
            os.kill(stoppable_redis.pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                assert await allowed_in_a_row(limiter, "alice", 0.5) == 1
                assert await allowed_in_a_row(limiter, "bob", 5) == 10
                # only the first request waited for the timeout; the rest were decided without asking Redis
                assert time.monotonic() - started < 0.5
                assert not limiter.shared
            finally:
                os.kill(stoppable_redis.pid, signal.SIGCONT)
            await until_shared(limiter)
            # Redis kept alice's bucket through the outage: its one token was taken before, not yet back
            refused = await limiter.take("alice", 0.5)
            assert refused.allowed is False
            assert 1.0 < refused.retry_after_seconds < 2.0
            assert len(warnings(caplog)) == 1

    run(scenario())


def test_redis_limiter_refuses_an_invalid_rate_without_asking_redis(redis_url: str) -> None:
    async def scenario() -> None:
        async with connect(redis_url) as client:
            with pytest.raises(ValueError, match="positive"):
                await RedisRateLimiter(client).take("alice", 0)
            assert await client.dbsize() == 0

    run(scenario())
