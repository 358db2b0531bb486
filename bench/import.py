"""The sharded import: vehicles per second with 1 and 2 worker processes (`aftersales import --workers N`), in
alternating rounds on the same generated delivery, the ratio, a check that both write the same bytes, and the
projection to 10 million vehicles for 1 and 2 workers and for Lambda functions running 100 shards at once.

The delivery is generated once and kept in the temporary directory. A Lambda shard reads every line of the
delivery and parses only its own (`Shard.holds_line` on the others), so its projection adds that scan, measured
here; the combination of the parts (`writing.combine`) runs once, after the shards, and is projected linearly.
Run: .venv/bin/python -m bench.import [--vehicles 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from catalog import default_catalog
from generator.command import FILES, write_delivery
from preparation.pipeline import prepare_shard
from preparation.sharding import Shard
from preparation.workers import import_with_workers
from preparation.writing import combine
from store import versions

TARGET = 10_000_000
LAMBDA_SHARDS = 100


def delivery(seed: int, vehicles: int) -> Path:
    """The generated delivery, written once into the temporary directory and reused by later runs."""
    cached = Path(tempfile.gettempdir()) / f"aftersales-bench-import-{seed}-{vehicles}"
    if not cached.is_dir():
        draft = cached.with_name(cached.name + ".partial")
        shutil.rmtree(draft, ignore_errors=True)
        write_delivery(seed, vehicles, draft)
        draft.rename(cached)
    return cached


def files_of(version: Path) -> dict[str, bytes]:
    return {str(p.relative_to(version)): p.read_bytes() for p in sorted(version.rglob("*")) if p.is_file()}


def scan_seconds(source: Path) -> tuple[float, int]:
    """Seconds to pass over every delivery line as a shard does for the lines of the others; the line count."""
    shard, lines = Shard(0, LAMBDA_SHARDS), 0
    started = time.perf_counter()
    for name in FILES:
        with (source / name).open("rb") as stream:
            for raw in stream:
                shard.holds_line(raw)
                lines += 1
    return time.perf_counter() - started, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    source, catalog = delivery(args.seed, args.vehicles), default_catalog()
    seconds: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="aftersales-bench-import-") as scratch:
        for round_ in range(args.rounds):
            written = {}
            for workers in (1, 2) if round_ % 2 == 0 else (2, 1):
                into = Path(scratch) / f"round-{round_}-workers-{workers}"
                started = time.perf_counter()
                import_with_workers(source, into, catalog, workers)
                seconds[workers].append(time.perf_counter() - started)
                written[workers] = files_of(versions.served(into))
                shutil.rmtree(into)
            assert written[1] == written[2], "1 and 2 workers wrote different files"
            print(f"round {round_ + 1}: 1 worker {seconds[1][-1]:.2f} s, 2 workers {seconds[2][-1]:.2f} s, same bytes")
    rate = {workers: args.vehicles / statistics.median(times) for workers, times in seconds.items()}
    for workers in (1, 2):
        print(f"{workers} worker(s): {rate[workers]:,.0f} vehicles/s (median of {args.rounds})")
    print(f"ratio 2 / 1 workers: {rate[2] / rate[1]:.2f}x")

    parts = [prepare_shard(source, None, catalog, Shard(index, 2)) for index in range(2)]
    started = time.perf_counter()
    combine(parts)
    combining = time.perf_counter() - started
    scanning, lines = scan_seconds(source)
    scale = TARGET / args.vehicles
    shard_seconds = scanning * scale + TARGET / LAMBDA_SHARDS / rate[1]
    print(f"\nprojection for {TARGET:,} vehicles ({lines * scale:,.0f} delivery lines):")
    for workers in (1, 2):
        print(f"  {workers} worker(s): {TARGET / rate[workers] / 60:,.0f} min")
    print(
        f"  Lambda, {LAMBDA_SHARDS} shards at once: {shard_seconds / 60:,.1f} min per shard (scan of every line "
        f"{scanning * scale / 60:,.1f} min + its {TARGET // LAMBDA_SHARDS:,} vehicles "
        f"{TARGET / LAMBDA_SHARDS / rate[1] / 60:,.1f} min), then the combination {combining * scale / 60:,.1f} min"
    )


if __name__ == "__main__":
    main()
