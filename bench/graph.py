"""Requests per second and latency percentiles of three query shapes: batched loaders against one source call
per field (loaders disabled), on the embedded store and on DynamoDB (moto server on loopback). Every server is
started by this run; variants are measured in alternating rounds. For DynamoDB the DynamoDB requests per
GraphQL request are counted at the HTTP level by a proxy in front of moto (moto's latency is not AWS's).

Run: .venv/bin/python -m bench.graph [--rounds 3] [--concurrency 8] [--backends memory,dynamodb]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx2

from catalog import default_catalog
from generator.command import write_delivery
from preparation.pipeline import import_delivery
from store.embedded import EmbeddedStore
from tests.aws.moto_server import MotoServer
from tests.aws.proxy import MotoProxy
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
AWS_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-central-1"}
SHAPES = {
    "one vehicle": (
        """query($vins: [String!]!) { vehicles(vins: $vins) { vin brand { name } model { name }
           engine { code oilNorms { code } } market { code currency }
           serviceEvents { date odometer items { code } } } }""",
        1,
        400,
    ),
    "100 vehicles, engines + oil norms": (
        """query($vins: [String!]!) { vehicles(vins: $vins) { vin modelYear
           engine { code fuel powerKw oilNorms { code issuer } } } }""",
        100,
        60,
    ),
    "20 vehicles, histories + quotes": (
        """query($vins: [String!]!) { vehicles(vins: $vins) { vin
           serviceEvents { id date odometer items { code name } }
           serviceQuote(input: {quoteDate: "2025-06-30", odometer: 80000, includeStatutory: true}) {
             dueItems { item { code } status } positions { pos ref net } totals { payer net tax payable } } } }""",
        20,
        80,
    ),
}


@contextmanager
def server(env: dict[str, str], batching: bool) -> Iterator[str]:
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        "AFTERSALES_BATCHING": "on" if batching else "off",
        "AFTERSALES_LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "aftersales"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        yield url + "/graphql"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def load(url: str, body: dict[str, Any], requests: int, concurrency: int) -> tuple[float, list[float], int]:
    """(requests per second, latencies in ms, answers with errors) for `requests` POSTs, `concurrency` at a time."""
    latencies: list[float] = []
    failed = 0
    queue = iter(range(requests))

    async def worker(client: httpx2.AsyncClient) -> None:
        nonlocal failed
        for _ in queue:
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            failed += response.status_code != 200 or "errors" in response.json()

    async with httpx2.AsyncClient(timeout=60) as client:
        await client.post(url, json=body)  # warm-up: caches and first-use imports
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies, failed


def answer(url: str, body: dict[str, Any]) -> Any:
    return httpx2.post(url, json=body, timeout=60).json()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def dynamodb_env(stack: ExitStack, raw: Path) -> tuple[dict[str, str], MotoProxy]:
    """moto on loopback behind a counting proxy, with the delivery imported into its tables."""
    moto = stack.enter_context(MotoServer())
    proxy = stack.enter_context(MotoProxy(moto.url))
    env = {**AWS_ENV, "AWS_ENDPOINT_URL": proxy.url, "AFTERSALES_BACKEND": "dynamodb"}
    aftersales = str(Path(sys.executable).parent / "aftersales")
    for args in (["init-aws"], ["import", str(raw), "--into", "dynamodb"]):
        subprocess.run([aftersales, *args], env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    return env, proxy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--vehicles", type=int, default=2000)
    parser.add_argument("--backends", default="memory,dynamodb")
    args = parser.parse_args()
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        raw, data = Path(tmp) / "raw", Path(tmp) / "prepared"
        write_delivery(42, args.vehicles, raw)
        import_delivery(raw, data, default_catalog())
        vins = EmbeddedStore.load(data).vins()
        envs: dict[str, dict[str, str]] = {"memory": {"AFTERSALES_DATA": str(data), "AFTERSALES_CACHE_DIR": tmp}}
        proxy = None
        if "dynamodb" in backends:
            envs["dynamodb"], proxy = dynamodb_env(stack, raw)
        urls = {
            (backend, batching): stack.enter_context(server(envs[backend], batching))
            for backend in backends
            for batching in (True, False)
        }
        bodies = {shape: {"query": q, "variables": {"vins": vins[:n]}} for shape, (q, n, _) in SHAPES.items()}
        for shape, body in bodies.items():  # every variant must give the same JSON before it is timed
            first = answer(urls[(backends[0], True)], body)
            assert all(answer(url, body) == first for url in urls.values()), f"{shape}: answers differ"
        results: dict[tuple[str, str, bool], tuple[list[float], list[float]]] = {}
        failures: dict[tuple[str, str, bool], int] = {}
        requests_per_call: dict[tuple[str, bool], float] = {}
        for _ in range(args.rounds):
            for shape, (_, _, requests) in SHAPES.items():
                for (backend, batching), url in urls.items():
                    if proxy is not None and backend == "dynamodb":
                        proxy.reset_counts()
                    rps, latencies, failed = asyncio.run(load(url, bodies[shape], requests, args.concurrency))
                    failures[(shape, backend, batching)] = failures.get((shape, backend, batching), 0) + failed
                    if proxy is not None and backend == "dynamodb":
                        # the warm-up request is counted too
                        requests_per_call[(shape, batching)] = sum(proxy.counts().values()) / (requests + 1)
                    rates, all_latencies = results.setdefault((shape, backend, batching), ([], []))
                    rates.append(rps)
                    all_latencies.extend(latencies)
    print(f"{args.vehicles} vehicles, concurrency {args.concurrency}, {args.rounds} alternating rounds; server, "
          "client and moto share this machine; failed = answers with errors (e.g. SOURCE_UNAVAILABLE)")  # fmt: skip
    print(f"{'shape':36} {'backend':9} {'loaders':9} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
          f"{'DynamoDB calls/req':>18} {'failed':>7}")  # fmt: skip
    for shape in SHAPES:
        for backend in backends:
            for batching in (True, False):
                rates, latencies = results[(shape, backend, batching)]
                calls = requests_per_call.get((shape, batching)) if backend == "dynamodb" else None
                print(
                    f"{shape:36} {backend:9} {'batched' if batching else 'per-call':9} "
                    f"{statistics.median(rates):8.1f} {percentile(latencies, 50):8.1f} "
                    f"{percentile(latencies, 90):8.1f} {percentile(latencies, 99):8.1f} "
                    f"{'' if calls is None else f'{calls:.1f}':>18} {failures[(shape, backend, batching)]:7d}"
                )
            ratio = statistics.median(results[(shape, backend, True)][0]) / statistics.median(
                results[(shape, backend, False)][0]
            )
            print(f"{'':36} {backend:9} batched / per-call throughput: {ratio:.2f}×")


if __name__ == "__main__":
    main()
