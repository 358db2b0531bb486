"""An HTTP/1.1 reverse proxy in front of moto that counts AWS operations, injects faults and delays answers."""

from __future__ import annotations

import asyncio
import http
import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

HOST = "127.0.0.1"
STREAM_LIMIT = 1 << 20
THROTTLED: Mapping[str, Any] = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "Rate exceeded",
}
# connection-level headers of one hop: they describe moto's connection to the proxy, not the answer
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)


@dataclass
class Message:
    """One parsed HTTP message: the first line, headers as sent (order and case kept), the body as received."""

    first_line: str
    headers: list[tuple[str, str]]
    head: bytes
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    def tokens(self, name: str) -> set[str]:
        return {token.strip().lower() for token in (self.header(name) or "").split(",") if token.strip()}


@dataclass
class Fault:
    remaining: int
    status: int
    body: bytes
    content_type: str
    matching: bytes | None = None
    """Only requests whose body contains these bytes (a table name, say) are failed; None: every request."""

    def applies(self, request: Message) -> bool:
        return self.matching is None or self.matching in request.body


def operation_of(request: Message) -> str:
    """DynamoDB (and every JSON protocol service) names the operation in X-Amz-Target; S3 is method and path."""
    target = request.header("x-amz-target")
    if target:
        return target.rpartition(".")[2]
    method, _, rest = request.first_line.partition(" ")
    return f"{method} {urlsplit(rest.rpartition(' ')[0]).path}"


async def read_head(reader: asyncio.StreamReader) -> Message | None:
    """The first line and headers, or None when the peer closed the connection between messages."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise
        return None
    first_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    return Message(first_line, headers, head)


async def read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """A chunked body: the bytes as they were framed (to forward a request exactly) and the decoded payload."""
    raw, data = bytearray(), bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        raw += line
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        chunk = await reader.readexactly(size + 2)
        raw += chunk
        data += chunk[:-2]
    while True:  # trailers, up to the empty line
        line = await reader.readuntil(b"\r\n")
        raw += line
        if line == b"\r\n":
            return bytes(raw), bytes(data)


def status_line(status: int) -> str:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    return f"HTTP/1.1 {status} {reason}"


class MotoProxy:
    """A reverse proxy on a free loopback port, served by its own event loop in a background thread.

    Requests go to the upstream byte for byte (Host included: moto does not check signatures, and the client
    signed the proxy's host). Answers come back unchanged apart from their framing: each is read whole and sent
    with Content-Length, so the client keeps its connection alive even though moto closes after every answer.
    """

    def __init__(self, upstream: str, upstream_timeout: float = 30.0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream must be http://host:port, not {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self.upstream_timeout = upstream_timeout
        self.port: int | None = None
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()
        self._faults: dict[str, Fault] = {}
        self._delays: dict[str, float] = {}
        self._arrivals: list[tuple[float, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the proxy is not started")
        return f"http://{HOST}:{self.port}"

    # -- what the tests see -------------------------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        """Requests forwarded to moto per operation ("GetItem", "PUT /bucket/key"); injected faults not included."""
        with self._lock:
            return self._counts.copy()

    def injected(self) -> Counter[str]:
        """Requests the proxy answered itself with a fault, per operation."""
        with self._lock:
            return self._injected.copy()

    def arrivals(self) -> list[tuple[float, str]]:
        """When each request arrived (monotonic seconds) and its operation, since the last reset."""
        with self._lock:
            return list(self._arrivals)

    def reset_counts(self) -> None:
        """Zero `counts`, `injected` and `arrivals`; pending faults and delays stay."""
        with self._lock:
            self._counts.clear()
            self._injected.clear()
            self._arrivals.clear()

    def fail_next(
        self,
        operation: str,
        times: int = 1,
        status: int = 400,
        body: Mapping[str, Any] | bytes | None = None,
        content_type: str = "application/x-amz-json-1.0",
        matching: bytes | None = None,
    ) -> None:
        """Answer the next `times` requests of `operation` (whose body contains `matching`, if given) here,
        without forwarding them; the default answer is DynamoDB's throttling error. Replaces what is left of an
        earlier `fail_next` for the same operation."""
        payload = body if isinstance(body, bytes) else json.dumps(dict(THROTTLED if body is None else body)).encode()
        with self._lock:
            if times > 0:
                self._faults[operation] = Fault(times, status, payload, content_type, matching)
            else:
                self._faults.pop(operation, None)

    def delay(self, operation: str, seconds: float) -> None:
        """Hold every answer to `operation` for `seconds` after moto gave it (so the operation did take effect);
        0 ends the delay."""
        with self._lock:
            if seconds > 0:
                self._delays[operation] = seconds
            else:
                self._delays.pop(operation, None)

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the proxy is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="moto-proxy", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise RuntimeError("the proxy did not start") from failure[0]
        return self

    def stop(self) -> None:
        """Stop listening and drop open connections, so clients see the endpoint go away. Idempotent."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        with suppress(RuntimeError):  # the loop may have ended already
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve_connection, HOST, 0, limit=STREAM_LIMIT)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            self._loop = loop
        except BaseException as error:
            failure.append(error)
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    # -- the proxy itself ---------------------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                request = await read_head(reader)
                if request is None:
                    return
                version = request.first_line.rpartition(" ")[2]
                if "100-continue" in request.tokens("expect") and version == "HTTP/1.1":
                    # answered here: otherwise botocore waits a second for it before sending the body
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                if "chunked" in request.tokens("transfer-encoding"):
                    request.body, _ = await read_chunked(reader)
                else:
                    request.body = await reader.readexactly(int(request.header("content-length") or 0))
                keep_alive = version == "HTTP/1.1" and "close" not in request.tokens("connection")
                writer.write(await self._answer(request, keep_alive))
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return  # the client went away or sent something that is not HTTP: drop the connection
        except asyncio.CancelledError:
            # only `stop` cancels; ending normally spares Python 3.11's stream callback from logging the cancel
            return
        finally:
            self._handlers.discard(task)
            writer.close()
            with suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _answer(self, request: Message, keep_alive: bool) -> bytes:
        operation = operation_of(request)
        with self._lock:
            fault = self._faults.get(operation)
            if fault is not None and not fault.applies(request):
                fault = None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[operation]
                self._injected[operation] += 1
            else:
                self._counts[operation] += 1
            self._arrivals.append((time.monotonic(), operation))
            delay = self._delays.get(operation, 0.0)
        if fault is not None:
            response = Message(status_line(fault.status), [("Content-Type", fault.content_type)], b"", fault.body)
        else:
            try:
                response = await asyncio.wait_for(self._forward(request), self.upstream_timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as e:
                # what a load balancer answers when nothing is behind it
                body = json.dumps({"__type": "BadGateway", "message": f"moto unreachable: {e!r}"}).encode()
                response = Message(status_line(502), [("Content-Type", "application/json")], b"", body)
        if delay:
            await asyncio.sleep(delay)
        return self._frame(request, response, keep_alive)

    async def _forward(self, request: Message) -> Message:
        reader, writer = await asyncio.open_connection(*self.upstream, limit=STREAM_LIMIT)
        try:
            writer.write(request.head + request.body)
            await writer.drain()
            while True:
                response = await read_head(reader)
                if response is None:
                    raise ConnectionResetError("moto closed the connection without answering")
                status = int(response.first_line.split(" ", 2)[1])
                if not 100 <= status < 200:
                    break  # 1xx are interim (moto sends 100 Continue when the request expects it)
            if request.first_line.startswith("HEAD ") or status in (204, 304):
                pass
            elif "chunked" in response.tokens("transfer-encoding"):
                _, response.body = await read_chunked(reader)
            elif (length := response.header("content-length")) is not None:
                response.body = await reader.readexactly(int(length))
            else:
                response.body = await reader.read()  # framed by closing the connection
            return response
        finally:
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    def _frame(request: Message, response: Message, keep_alive: bool) -> bytes:
        bodyless = request.first_line.startswith("HEAD ") or response.first_line.split(" ", 2)[1] in ("204", "304")
        lines = [response.first_line]
        for name, value in response.headers:
            # a HEAD answer's Content-Length is the size of what GET would return: keep it
            if name.lower() not in HOP_BY_HOP or (bodyless and name.lower() == "content-length"):
                lines.append(f"{name}: {value}")
        if not bodyless:
            lines.append(f"Content-Length: {len(response.body)}")
        lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if bodyless else response.body)
