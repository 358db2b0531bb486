"""redis-server as a real subprocess on a free loopback port: start, wait until it answers PING, flush, stop."""

from __future__ import annotations

import redis

from tests.processes import HOST, LoopbackServer

# in the foreground, nothing written to disk, only warnings logged
OPTIONS = ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]


class RedisServer(LoopbackServer):
    """One `redis-server` process without persistence: its data lives in memory only, `flush` wipes it."""

    name = "Redis server"

    def __init__(self, start_timeout: float = 10.0, stop_timeout: float = 5.0) -> None:
        super().__init__(start_timeout, stop_timeout)

    def command(self, port: int) -> list[str]:
        return ["redis-server", "--port", str(port), "--bind", HOST, *OPTIONS]

    def answers(self, port: int) -> bool:
        try:
            with redis.Redis(host=HOST, port=port, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the Redis server is not started")
        return f"redis://{HOST}:{self.port}/0"

    def flush(self) -> None:
        """Delete every key of every database."""
        with redis.Redis.from_url(self.url, socket_timeout=5) as client:
            client.flushall()
