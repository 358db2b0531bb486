"""Writes the prepared data set: accepted raw records, the merged view, the rejects and, last, the manifest."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from preparation.merge import PreparedView
from preparation.validation import Reject
from store import prepared


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Replaces `path` in one step so that a reader never sees half a file."""
    text = "".join(prepared.dumps(record) + "\n" for record in records)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(text.encode("utf-8"))
    os.replace(partial, path)


def write_data_set(
    into: Path, raw_records: Mapping[str, Sequence[Mapping[str, Any]]], view: PreparedView, rejects: Sequence[Reject]
) -> None:
    """`raw_records` maps each delivery file name to its accepted raw records, already in key order."""
    raw_dir = into / prepared.RAW_DIR
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, records in raw_records.items():
        write_jsonl(raw_dir / name, records)
    write_jsonl(into / prepared.VEHICLES, map(prepared.vehicle_to_json, view.vehicles))
    write_jsonl(into / prepared.SERVICE_EVENTS, map(prepared.event_to_json, view.events))
    write_jsonl(into / prepared.CONTRACTS, map(prepared.contract_to_json, view.contracts))
    write_jsonl(into / prepared.CAMPAIGN_VEHICLES, map(prepared.campaign_vehicle_to_json, view.campaign_vehicles))
    write_jsonl(into / prepared.REJECTS, (r.to_json() for r in rejects))
    counts = {
        prepared.VEHICLES: len(view.vehicles),
        prepared.SERVICE_EVENTS: len(view.events),
        prepared.CONTRACTS: len(view.contracts),
        prepared.CAMPAIGN_VEHICLES: len(view.campaign_vehicles),
    }
    manifest = json.dumps(prepared.manifest(counts), indent=2) + "\n"
    partial = into / (prepared.MANIFEST + ".partial")
    partial.write_bytes(manifest.encode("utf-8"))
    os.replace(partial, into / prepared.MANIFEST)
