"""moto in server mode as a real subprocess on a free loopback port: start, wait until it answers, reset, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import IO, Self

HOST = "127.0.0.1"


def free_port() -> int:
    """A port that was free a moment ago; moto needs a number up front, so `start` retries if it was taken since."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class MotoServer:
    """One `python -m moto.server` process. State lives in that process only: `reset` wipes it, `stop` ends it."""

    def __init__(self, start_timeout: float = 30.0, stop_timeout: float = 5.0) -> None:
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        # moto logs every request; a pipe nobody reads would fill up and block it, a file never does
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the moto server is not started")
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        if self.running:
            raise RuntimeError("the moto server is already running")
        last_error = ""
        for _ in range(3):  # another process may grab the free port before moto binds it
            try:
                self._spawn(free_port())
                return self
            except RuntimeError as error:
                last_error = str(error)
                self.stop()
        raise RuntimeError(f"moto did not start: {last_error}")

    def _spawn(self, port: int) -> None:
        self.port = port
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the process, closed in stop()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto exited with {self._process.returncode}: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=1) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        raise RuntimeError(f"moto did not answer within {self.start_timeout} s: {self.log()[-2000:]}")

    def log(self) -> str:
        """What moto printed so far (start-up messages and one line per request)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def reset(self) -> None:
        """Wipe every table, bucket and object of every service: moto's own `/moto-api/reset` (POST only)."""
        request = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset answered {response.status}")

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
