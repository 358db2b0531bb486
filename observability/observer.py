"""Measures each GraphQL request and each source batch: the figures, and a span each when tracing is on.

With metrics and tracing off a measure is one shared object that does nothing; with metrics alone it is two clock
readings and three dict updates. Tracing (`tracing`) is loaded only when it is switched on.
"""

from __future__ import annotations

from collections.abc import Mapping
from time import perf_counter
from types import TracebackType
from typing import TYPE_CHECKING, Any

from observability.figures import Figures

if TYPE_CHECKING:
    from observability.tracing import Tracing

UNNAMED = "unnamed"
OTHER = "other"
"""The operation label of every name past the cap: clients cannot create series without end."""
MAX_NAME = 100
MAX_CODE = 40


class Observer:
    def __init__(self, figures: Figures | None, tracing: Tracing | None = None, max_operations: int = 100) -> None:
        self.figures = figures
        self.tracing = tracing
        self.max_operations = max_operations
        self._operations: set[str] = set()

    @property
    def active(self) -> bool:
        return self.figures is not None or self.tracing is not None

    def request(self, headers: Mapping[str, str] | None = None) -> RequestMeasure:
        """One GraphQL request, from its arrival to its answer; set its operation and outcome before it ends."""
        return RequestMeasure(self, headers) if self.active else IDLE_REQUEST

    def batch(self, source: str, loader: str, size: int) -> BatchMeasure:
        """One batch call of `loader` to the source system `source` with `size` keys."""
        return BatchMeasure(self, source, loader, size) if self.active else IDLE_BATCH

    def operation_label(self, name: str | None) -> str:
        """The operation's name, as long as fewer than `max_operations` names were seen; then `other`."""
        if name is None:
            return UNNAMED
        known = self._operations
        if name in known:
            return name
        if len(known) >= self.max_operations or len(name) > MAX_NAME:
            return OTHER
        known.add(name)
        return name


def outcome_label(code: str | None) -> str:
    """`ok`, or the error code (the project's codes are a closed set; anything else is `error`)."""
    if code is None:
        return "ok"
    if len(code) <= MAX_CODE and code.isupper() and code.replace("_", "").isalpha():
        return code
    return "error"


class RequestMeasure:
    __slots__ = ("_headers", "_observer", "_span", "_started", "operation", "outcome")

    def __init__(self, observer: Observer, headers: Mapping[str, str] | None) -> None:
        self._observer = observer
        self._headers = headers
        self._span: Any = None
        self._started = 0.0
        self.operation: str | None = None
        """The operation's name as the logs name it; None while unknown (or for an anonymous operation)."""
        self.outcome: str | None = None
        """None: ok; else the error code of the answer (its first error)."""

    def __enter__(self) -> RequestMeasure:
        tracing = self._observer.tracing
        if tracing is not None:
            self._span = tracing.operation(self._headers)
        self._started = perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        seconds = perf_counter() - self._started
        observer = self._observer
        operation = observer.operation_label(self.operation)
        outcome = outcome_label("INTERNAL" if error is not None and self.outcome is None else self.outcome)
        figures = observer.figures
        if figures is not None:
            figures.requests.add((operation, outcome))
            figures.request_seconds.observe((operation,), seconds)
        if self._span is not None:
            self._span.end_operation(operation, outcome, error)


class BatchMeasure:
    __slots__ = ("_loader", "_observer", "_size", "_source", "_span", "_started", "outcome")

    def __init__(self, observer: Observer, source: str, loader: str, size: int) -> None:
        self._observer = observer
        self._source = source
        self._loader = loader
        self._size = size
        self._span: Any = None
        self._started = 0.0
        self.outcome = "ok"
        """`ok`, or `unavailable` when the source failed as a source does (SOURCE_UNAVAILABLE)."""

    def __enter__(self) -> BatchMeasure:
        tracing = self._observer.tracing
        if tracing is not None:
            self._span = tracing.batch(self._source, self._loader, self._size)
        self._started = perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        seconds = perf_counter() - self._started
        outcome = "error" if error is not None else self.outcome
        figures = self._observer.figures
        if figures is not None:
            figures.source_requests.add((self._source, outcome))
            figures.source_seconds.observe((self._source,), seconds)
            figures.batch_sizes.observe((self._loader,), self._size)
        if self._span is not None:
            self._span.end_batch(outcome, error)


class IdleRequest(RequestMeasure):
    """Metrics and tracing off: nothing measured."""

    def __enter__(self) -> RequestMeasure:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        return None


class IdleBatch(BatchMeasure):
    def __enter__(self) -> BatchMeasure:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        return None


IDLE = Observer(None)
IDLE_REQUEST = IdleRequest(IDLE, None)
IDLE_BATCH = IdleBatch(IDLE, "", "", 0)
