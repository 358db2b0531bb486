"""Quotes per second over a generated data set, against due evaluation alone measured in the same run.

Run: .venv/bin/python -m bench.quotes [--vehicles 2000] [--rounds 3] [--data PREPARED_DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from calculation import due
from calculation.context import VehicleContext
from calculation.quote import QuoteRequest, compute
from calculation.records import VehicleFile
from catalog import Catalog, default_catalog
from cli import main as aftersales
from store.embedded import EmbeddedStore

QUOTE_DATE = date(2025, 6, 30)  # the generator's asOf


def prepared_data_set(vehicles: int, workdir: Path) -> Path:
    raw, prepared = workdir / "raw", workdir / "prepared"
    started = time.perf_counter()
    aftersales(["generate", "--seed", "42", "--vehicles", str(vehicles), "--out", str(raw)])
    aftersales(["import", str(raw), "--into", str(prepared)])
    print(f"generated and imported {vehicles} vehicles in {time.perf_counter() - started:.2f} s")
    return prepared


def vehicle_files(store: EmbeddedStore) -> list[VehicleFile]:
    async def load() -> list[VehicleFile]:
        vins = store.vins()
        vehicles, events, contracts, campaigns = await asyncio.gather(
            store.vehicles(vins), store.service_events(vins), store.contracts(vins), store.campaign_vehicles(vins)
        )
        return [
            VehicleFile(v, e, c, k) for v, e, c, k in zip(vehicles, events, contracts, campaigns, strict=True) if v
        ]

    return asyncio.run(load())


def request_for(file: VehicleFile) -> QuoteRequest:
    """The odometer the vehicle would show on the quote date at its annual distance."""
    days = (QUOTE_DATE - file.vehicle.handover_date).days
    odometer = (file.vehicle.annual_distance or 15000) * max(days, 0) // 365
    return QuoteRequest(QUOTE_DATE, odometer, include_recommended=("WIPER_BLADES",), include_statutory=True)


def rate(work: Callable[[], None], count: int, rounds: int) -> float:
    """Median items per second over `rounds` timed passes (one warm-up pass first)."""
    work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return count / statistics.median(times)


def run(catalog: Catalog, files: Sequence[VehicleFile], rounds: int) -> None:
    requests = [request_for(f) for f in files]

    def quotes() -> None:
        for f, r in zip(files, requests, strict=True):
            compute(catalog, f, r)

    def due_only() -> None:
        for f, r in zip(files, requests, strict=True):
            due.evaluate(VehicleContext.of(catalog, f.vehicle), f.events, r.due_request())

    full = rate(quotes, len(files), rounds)
    baseline = rate(due_only, len(files), rounds)
    positions = sum(len(compute(catalog, f, r).positions) for f, r in zip(files, requests, strict=True))
    print(f"vehicles: {len(files)}, positions per quote: {positions / len(files):.1f}")
    print(f"due evaluation only (baseline): {baseline:10.0f} vehicles/s")
    print(f"full quote:                     {full:10.0f} quotes/s   ({full / baseline:.2f}× the baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vehicles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, help="an existing prepared data set (default: generate one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.data or prepared_data_set(args.vehicles, Path(tmp))
        files = vehicle_files(EmbeddedStore.load(directory))
    run(default_catalog(), files, args.rounds)


if __name__ == "__main__":
    main()
