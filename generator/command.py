"""`aftersales generate`: writes a synthetic source-system delivery as JSON Lines (DOMAIN §7.2, §7.5)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from calculation.records import CampaignVehicle, ServiceContract, Vehicle
from catalog import default_catalog
from generator.dataset import generate
from preparation.raw import event_json
from store import prepared

SEED_MODULUS = 1 << 64  # D14: --seed is taken mod 2^64
FILES = ("vehicles.jsonl", "service_events.jsonl", "contracts.jsonl", "campaign_vehicles.jsonl")
USAGE_ERROR = 2


def vehicle_record(v: Vehicle, distance_unit: str) -> dict[str, Any]:
    return {**prepared.vehicle_to_json(v), "odometerUnit": distance_unit, "sourceSystem": "VMS"}


def contract_record(c: ServiceContract) -> dict[str, Any]:
    return {**prepared.contract_to_json(c), "sourceSystem": "SCS"}


def campaign_record(cv: CampaignVehicle) -> dict[str, Any]:
    return {**prepared.campaign_vehicle_to_json(cv), "sourceSystem": "TCS"}


def _write(out: TextIO, records: Iterable[dict[str, Any]]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def _usage_error(message: str) -> int:
    print(f"aftersales generate: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def write_delivery(seed: int, count: int, directory: Path) -> dict[str, int]:
    """Writes the four files for vehicles 1…count; returns the number of records per file."""
    catalog = default_catalog()
    directory.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(FILES, 0)
    outs = {name: (directory / name).open("w", encoding="utf-8", newline="\n") for name in FILES}
    try:
        for generated in generate(catalog, seed, count):
            unit = catalog.markets[generated.vehicle.market].distance_unit
            records = (
                [vehicle_record(generated.vehicle, unit)],
                map(event_json, generated.history.raw_events),
                map(contract_record, generated.contracts),
                map(campaign_record, generated.campaigns),
            )
            for name, file_records in zip(FILES, records, strict=True):
                counts[name] += _write(outs[name], file_records)
    finally:
        for out in outs.values():
            out.close()
    return counts


def run(args: argparse.Namespace) -> int:
    seed, count, out = args.seed, args.vehicles, args.out
    if not isinstance(seed, int) or isinstance(seed, bool):
        return _usage_error(f"--seed must be an integer, got {seed!r}")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return _usage_error(f"--vehicles must be a whole number of at least 0, got {count!r}")
    directory = Path(out)
    if directory.exists() and not directory.is_dir():
        return _usage_error(f"--out {out} exists and is not a directory")
    started = time.perf_counter()
    counts = write_delivery(seed % SEED_MODULUS, count, directory)
    seconds = time.perf_counter() - started
    print(
        f"generated {counts['vehicles.jsonl']} vehicles, {counts['service_events.jsonl']} service events, "
        f"{counts['contracts.jsonl']} contracts, {counts['campaign_vehicles.jsonl']} campaign vehicles "
        f"into {directory} in {seconds:.2f} s"
    )
    return 0
