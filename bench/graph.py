"""Requests per second and latency percentiles of three query shapes, batched loaders against one source call
per field (loaders disabled), both servers started by this run and measured in alternating rounds.

Run: .venv/bin/python -m bench.graph [--rounds 3] [--concurrency 8] [--data PREPARED_DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from bench.startup import free_port
from store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
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
def server(data: Path, cache: Path, batching: bool) -> Iterator[str]:
    import os
    import signal
    import subprocess
    import urllib.request

    port = free_port()
    env = {**os.environ, "AFTERSALES_DATA": str(data), "AFTERSALES_CACHE_DIR": str(cache),
           "AFTERSALES_BATCHING": "on" if batching else "off", "AFTERSALES_LOG_LEVEL": "WARNING"}  # fmt: skip
    command = [str(Path(sys.executable).parent / "aftersales"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


async def load(url: str, body: dict[str, Any], requests: int, concurrency: int) -> tuple[float, list[float]]:
    """(requests per second, latencies in ms) for `requests` POSTs, `concurrency` at a time."""
    latencies: list[float] = []
    queue = iter(range(requests))

    async def worker(client: httpx2.AsyncClient) -> None:
        for _ in queue:
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(response.text[:300])

    async with httpx2.AsyncClient(timeout=60) as client:
        await client.post(url, json=body)  # warm-up: caches and first-use imports
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--data", type=Path, help="prepared data set (default: the demo data set)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        if args.data is None:
            from preparation.demo import ensure_demo_data

            args.data = ensure_demo_data(cache)
        vins = EmbeddedStore.load(args.data).vins()
        results: dict[tuple[str, bool], tuple[list[float], list[float]]] = {}
        with server(args.data, cache, True) as batched, server(args.data, cache, False) as unbatched:
            for _ in range(args.rounds):
                for shape, (query, count, requests) in SHAPES.items():
                    body = {"query": query, "variables": {"vins": vins[:count]}}
                    for batching, url in ((True, batched), (False, unbatched)):
                        rps, latencies = asyncio.run(load(url, body, requests, args.concurrency))
                        rates, all_latencies = results.setdefault((shape, batching), ([], []))
                        rates.append(rps)
                        all_latencies.extend(latencies)
    print(f"concurrency {args.concurrency}, {args.rounds} alternating rounds; server and client share this machine")
    print(f"{'shape':36} {'loaders':9} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for shape in SHAPES:
        for batching in (True, False):
            rates, latencies = results[(shape, batching)]
            print(
                f"{shape:36} {'batched' if batching else 'per-call':9} {statistics.median(rates):8.1f} "
                f"{percentile(latencies, 50):8.1f} {percentile(latencies, 90):8.1f} {percentile(latencies, 99):8.1f}"
            )
        ratio = statistics.median(results[(shape, True)][0]) / statistics.median(results[(shape, False)][0])
        print(f"{'':36} batched / per-call throughput: {ratio:.2f}×")


if __name__ == "__main__":
    main()
