"""The process's figures: counters and histograms by label values, kept in plain dicts.

A request records a handful of figures, so each must cost well under a microsecond: one dict look-up and an add,
no lock (the server runs one event loop per process). The same figures are written as Prometheus text
(`prometheus`) on servers and as CloudWatch embedded metrics (`emf`) on Lambda.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Bucket bounds of the durations: a small query takes about a millisecond, the request deadline is 10 s."""
SIZES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)
"""Bucket bounds of the batch sizes: `vehicles` takes at most 100 VINs, a level below may hold a few more keys."""
Labels = tuple[str, ...]


class Counter:
    __slots__ = ("help", "label_names", "name", "values")

    def __init__(self, name: str, help: str, label_names: Labels) -> None:
        self.name, self.help, self.label_names = name, help, label_names
        self.values: dict[Labels, float] = {}

    def add(self, labels: Labels, amount: float = 1.0) -> None:
        values = self.values
        values[labels] = values.get(labels, 0.0) + amount


class Series:
    """One histogram's observations under one set of label values: counts per bucket (not cumulative), the sum,
    and the values themselves since the last drain (the embedded metrics of one Lambda invocation)."""

    __slots__ = ("counts", "observed", "total")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * buckets
        self.total = 0.0
        self.observed: list[float] = []


class Histogram:
    __slots__ = ("bounds", "help", "keep_values", "label_names", "name", "series")

    def __init__(self, name: str, help: str, label_names: Labels, bounds: tuple[float, ...],
                 keep_values: bool = False) -> None:  # fmt: skip
        self.name, self.help, self.label_names, self.bounds = name, help, label_names, bounds
        self.keep_values = keep_values
        self.series: dict[Labels, Series] = {}

    def observe(self, labels: Labels, value: float) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = Series(len(self.bounds) + 1)
        series.counts[bisect_left(self.bounds, value)] += 1
        series.total += value
        if self.keep_values:
            series.observed.append(value)


class Gauge:
    """A value read when the figures are written, never updated per event."""

    __slots__ = ("help", "name", "read")

    def __init__(self, name: str, help: str) -> None:
        self.name, self.help = name, help
        self.read: Callable[[], float] = lambda: 0.0


class Figures:
    """Every figure the server keeps; `keep_values` also keeps each observation for the next `drain`."""

    def __init__(self, keep_values: bool = False) -> None:
        self.requests = Counter(
            "aftersales_requests_total", "GraphQL requests over HTTP by operation and outcome (ok or the error code).",
            ("operation", "outcome"),
        )  # fmt: skip
        self.request_seconds = Histogram(
            "aftersales_request_duration_seconds", "Seconds from a GraphQL request's arrival to its answer.",
            ("operation",), SECONDS, keep_values,
        )  # fmt: skip
        self.source_requests = Counter(
            "aftersales_source_requests_total", "Batch calls to the source systems by source and outcome.",
            ("source", "outcome"),
        )  # fmt: skip
        self.source_seconds = Histogram(
            "aftersales_source_duration_seconds", "Seconds one batch call to a source system took.",
            ("source",), SECONDS, keep_values,
        )  # fmt: skip
        self.batch_sizes = Histogram(
            "aftersales_loader_batch_size", "Keys in one batch of a loader (one source call).",
            ("loader",), SIZES, keep_values,
        )  # fmt: skip
        self.subscriptions = Gauge("aftersales_subscriptions", "Subscriptions open on this server.")

    def drain(self) -> Figures:
        """What was recorded since the last drain, and a fresh start (a Lambda invocation's own figures)."""
        drained = Figures(keep_values=True)
        drained.subscriptions.read = self.subscriptions.read
        for mine, theirs in zip(self.counters(), drained.counters(), strict=True):
            mine.values, theirs.values = theirs.values, mine.values
        for h, other in zip(self.histograms(), drained.histograms(), strict=True):
            h.series, other.series = other.series, h.series
        return drained

    def counters(self) -> tuple[Counter, ...]:
        return self.requests, self.source_requests

    def histograms(self) -> tuple[Histogram, ...]:
        return self.request_seconds, self.source_seconds, self.batch_sizes
