"""What metrics and tracing cost per request, against a baseline with both off, measured in the same run.

Whole requests (one vehicle with its engine, oil norms and history: four source batches) go through the ASGI
application, three applications side by side and taken in turn, so that the machine's drift touches all alike:
metrics and tracing off (baseline), metrics alone (the default), and metrics with tracing to an OTLP/HTTP collector
stand-in (a small HTTP server in this process that accepts the exporter's posts). The recording itself is timed too
(one request's measure with four batch measures, without the request), and the same figures recorded through
prometheus_client for comparison.

Run: .venv/bin/python -m bench.observability [--requests 2000] [--rounds 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx2
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.applications import Starlette

from bench.cost import per_call
from bench.validation import VIN
from config import Config, ObservabilitySettings
from http_api.observation import build_observer
from observability.figures import Figures
from observability.observer import Observer
from server import create_app

QUERY = f'{{ vehicle(vin: "{VIN}") {{ vin engine {{ code oilNorms {{ code }} }} serviceEvents {{ date }} }} }}'
BATCHES = (("VMS", "VehicleByVinLoader"), ("DSS/DMS", "ServiceEventsByVinLoader"), ("TDS", "EngineByCodeLoader"),
           ("TDS", "OilNormByCodeLoader"))  # fmt: skip


class Collector(http.server.BaseHTTPRequestHandler):
    """Takes OTLP/HTTP posts as a collector does (200, empty answer) and counts what it was sent."""

    posts = 0
    received = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Collector.posts += 1
        Collector.received += len(body)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


def start_collector() -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def one_request(observer: Observer) -> Callable[[], None]:
    """What one request with four source batches records, without the request."""

    def record() -> None:
        with observer.request() as measure:
            for source, loader in BATCHES:
                with observer.batch(source, loader, 1):
                    pass
            measure.operation = "Vehicle"

    return record


def with_prometheus_client() -> Callable[[], None]:
    """The same figures through prometheus_client's counters and histograms."""
    registry = CollectorRegistry()
    requests = Counter("requests", "", ["operation", "outcome"], registry=registry)
    seconds = Histogram("request_seconds", "", ["operation"], registry=registry)
    sources = Counter("source_requests", "", ["source", "outcome"], registry=registry)
    source_seconds = Histogram("source_seconds", "", ["source"], registry=registry)
    sizes = Histogram("batch_size", "", ["loader"], registry=registry)

    def record() -> None:
        started = time.perf_counter()
        for source, loader in BATCHES:
            began = time.perf_counter()
            sources.labels(source, "ok").inc()
            source_seconds.labels(source).observe(time.perf_counter() - began)
            sizes.labels(loader).observe(1)
        requests.labels("Vehicle", "ok").inc()
        seconds.labels("Vehicle").observe(time.perf_counter() - started)

    return record


async def timed_requests(apps: dict[str, Starlette], count: int) -> dict[str, float]:
    """Median µs per request for each application, taken in turn in 10 rounds."""
    clients = {name: httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://bench")
               for name, app in apps.items()}  # fmt: skip
    found: dict[str, list[float]] = {name: [] for name in apps}
    for client in clients.values():
        for _ in range(50):
            await client.post("/graphql", json={"query": QUERY})
    for _ in range(10):
        for name, client in clients.items():
            started = time.perf_counter()
            for _ in range(count // 10):
                response = await client.post("/graphql", json={"query": QUERY})
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            found[name].append((time.perf_counter() - started) / (count // 10))
    for client in clients.values():
        await client.aclose()
    return {name: 1e6 * statistics.median(times) for name, times in found.items()}


async def whole(configs: dict[str, Config], count: int) -> dict[str, float]:
    apps = {name: create_app(config) for name, config in configs.items()}
    contexts = [app.router.lifespan_context(app) for app in apps.values()]
    for context in contexts:
        await context.__aenter__()
    try:
        return await timed_requests(apps, count)
    finally:
        for context in reversed(contexts):
            await context.__aexit__(None, None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20000)
    args = parser.parse_args()
    collector = start_collector()
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{collector.server_port}"
    tracing = build_observer(ObservabilitySettings(tracing="otlp"))
    recording = {
        "recording, both off": per_call(one_request(Observer(None)), args.rounds),
        "recording, metrics": per_call(one_request(Observer(Figures())), args.rounds),
        "recording, metrics + tracing": per_call(one_request(tracing), args.rounds // 100),
        "recording, metrics with prometheus_client": per_call(with_prometheus_client(), args.rounds),
    }
    assert tracing.tracing is not None
    tracing.tracing.shutdown()
    with tempfile.TemporaryDirectory() as temporary:
        base = Config(cache_dir=Path(temporary) / "cache", demo_vehicles=200)
        base = replace(base, access=replace(base.access, rate_limit=1e9))
        configs = {
            "request, metrics and tracing off (baseline)": replace(base, observability=ObservabilitySettings(
                metrics=False)),
            "request, metrics (the default)": base,
            "request, metrics + tracing to OTLP": replace(base, observability=ObservabilitySettings(tracing="otlp")),
        }  # fmt: skip
        requests = asyncio.run(whole(configs, args.requests))
    baseline = requests["request, metrics and tracing off (baseline)"]
    for name, micros in {**recording, **requests}.items():
        print(f"{name:45} {micros:9.2f} µs  {micros / baseline:7.4f}× a request")
    for name in ("request, metrics (the default)", "request, metrics + tracing to OTLP"):
        print(f"{name + ', added':45} {requests[name] - baseline:9.2f} µs")
    print(f"collector stand-in: {Collector.posts} posts, {Collector.received:,} bytes of spans")
    collector.shutdown()


if __name__ == "__main__":
    main()
