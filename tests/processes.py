"""A server as a real subprocess on a free loopback port: start (retried if the port was taken), wait until it
answers, stop. Subclasses name the command and how to tell that the server answers."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

CHECKOUT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    """A port that was free a moment ago; a server needs the number up front, so `start` retries if it was taken."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class LoopbackServer:
    name = "server"

    def __init__(self, start_timeout: float = 30.0, stop_timeout: float = 5.0) -> None:
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        # servers log; a pipe nobody reads would fill up and block them, a file never does
        self._log: IO[bytes] | None = None

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def answers(self, port: int) -> bool:
        """One readiness probe; False (or an OSError) means not yet."""
        raise NotImplementedError

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"the {self.name} is not running")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        if self.running:
            raise RuntimeError(f"the {self.name} is already running")
        last_error = ""
        for _ in range(3):  # another process may grab the free port before the server binds it
            try:
                self._spawn(free_port())
                return self
            except RuntimeError as error:
                last_error = str(error)
                self.stop()
        raise RuntimeError(f"the {self.name} did not start: {last_error}")

    def restart(self) -> Self:
        """Stops the server if it runs and starts it again on the same port, where its clients look for it."""
        if self.port is None:
            raise RuntimeError(f"the {self.name} was never started")
        self.stop()
        self._spawn(self.port)
        return self

    def _spawn(self, port: int) -> None:
        self.port = port
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the process, closed in stop()
        self._process = subprocess.Popen(  # from the checkout, whose `tests` package a server may be run from
            self.command(port), stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, cwd=CHECKOUT
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"it exited with {self._process.returncode}: {self.log()[-2000:]}")
            try:
                if self.answers(port):
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"it did not answer within {self.start_timeout} s: {self.log()[-2000:]}")

    def log(self) -> str:
        """What the server printed so far."""
        if self._log is None or self._log.closed:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

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
