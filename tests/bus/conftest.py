"""Fixtures for the bus tests: one real redis-server for the session, emptied before each test that uses it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.bus.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the session's own on a free loopback port (never a service already on 6379)."""
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is not installed: run .ci/run (it installs it) or `apt-get install redis-server`",
            pytrace=False,
        )
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's server with every key deleted first."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def stoppable_redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """A redis-server of the test's own, which the test may stop and `restart` on the same port (after the
    session's, which fails clearly when redis-server is not installed)."""
    with RedisServer() as server:
        yield server
