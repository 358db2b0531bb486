"""redis-server as a real subprocess on a free loopback port: start, wait until it answers PING, flush, stop."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from types import TracebackType
from typing import IO, Self

import redis

HOST = "127.0.0.1"
# in the foreground, nothing written to disk, only warnings logged
OPTIONS = ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]


def free_port() -> int:
    """A port that was free a moment ago; redis-server needs a number up front, so `start` retries if it was taken."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class RedisServer:
    """One `redis-server` process without persistence: its data lives in memory only, `flush` wipes it."""

    def __init__(self, start_timeout: float = 10.0, stop_timeout: float = 5.0) -> None:
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        # a pipe nobody reads could fill up and block the server, a file never does
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the Redis server is not started")
        return f"redis://{HOST}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        if self.running:
            raise RuntimeError("the Redis server is already running")
        last_error = ""
        for _ in range(3):  # another process may grab the free port before redis-server binds it
            try:
                self._spawn(free_port())
                return self
            except RuntimeError as error:
                last_error = str(error)
                self.stop()
        raise RuntimeError(f"redis-server did not start: {last_error}")

    def _spawn(self, port: int) -> None:
        self.port = port
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the process, closed in stop()
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", HOST, *OPTIONS],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}: {self.log()[-2000:]}")
            try:
                with redis.Redis(host=HOST, port=port, socket_timeout=1) as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer within {self.start_timeout} s: {self.log()[-2000:]}")

    def log(self) -> str:
        """What redis-server printed so far (warnings and errors)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def flush(self) -> None:
        """Delete every key of every database."""
        with redis.Redis.from_url(self.url, socket_timeout=5) as client:
            client.flushall()

    def stop(self) -> None:
        """End the process; its port refuses connections afterwards. Idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self.stop_timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
