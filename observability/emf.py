"""The figures of one Lambda invocation as one CloudWatch embedded-metric-format (EMF) log line.

Written with orjson rather than `aws-embedded-metrics`: that library would add its imports to every cold start and
writes one document per set of dimension values, where one invocation here is one line. The request is
dimensioned by operation and outcome; a line holds one value per dimension, so the sources and loaders of the
invocation go into the metric names (`source.VMS.ok`, `source.VMS.seconds`, `loader.VehicleByVinLoader.keys`),
with every observation of the invocation as an array of values.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from observability.figures import Figures

NAMESPACE = "AftersalesGraph"


def emf_line(figures: Figures, namespace: str = NAMESPACE) -> bytes | None:
    """The invocation's line; None when it recorded nothing (an event that was no GraphQL request)."""
    line: dict[str, Any] = {}
    metrics: list[dict[str, str]] = []

    def put(name: str, value: Any, unit: str) -> None:
        line[name] = value
        metrics.append({"Name": name, "Unit": unit})

    requests = figures.requests.values
    if not requests and not figures.source_requests.values:
        return None
    for (operation, outcome), count in requests.items():
        line["operation"], line["outcome"] = operation, outcome
        put("requests", count, "Count")
    for (operation,), series in figures.request_seconds.series.items():
        line["operation"] = operation
        put("request_duration_seconds", series.observed, "Seconds")
    for (source, outcome), count in figures.source_requests.values.items():
        put(f"source.{source}.{outcome}", count, "Count")
    for (source,), series in figures.source_seconds.series.items():
        put(f"source.{source}.seconds", series.observed, "Seconds")
    for (loader,), series in figures.batch_sizes.series.items():
        put(f"loader.{loader}.keys", series.observed, "Count")
    put("subscriptions", figures.subscriptions.read(), "Count")
    dimensions = [["operation", "outcome"]] if "outcome" in line else [[]]
    line["_aws"] = {
        "Timestamp": int(time.time() * 1000),
        "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": dimensions, "Metrics": metrics}],
    }
    return orjson.dumps(line)
