"""Fixtures of the access tests: the bus tests' Redis, for the limiter shared through it."""

from __future__ import annotations

from tests.bus.conftest import redis_server, redis_url, stoppable_redis  # noqa: F401  (fixtures)
