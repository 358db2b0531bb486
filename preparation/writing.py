"""Renders one version of the prepared data set: accepted raw records, the merged view and the rejects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from preparation.merge import PreparedView
from preparation.validation import Reject
from store import prepared


def jsonl(records: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(prepared.dumps(record) + "\n" for record in records).encode("utf-8")


def data_set_files(
    raw_records: Mapping[str, Sequence[Mapping[str, Any]]], view: PreparedView, rejects: Sequence[Reject]
) -> dict[str, bytes]:
    """Relative path → content; `raw_records` maps each delivery file name to its accepted raw records,
    already in key order."""
    files = {f"{prepared.RAW_DIR}/{name}": jsonl(records) for name, records in raw_records.items()}
    files[prepared.VEHICLES] = jsonl(map(prepared.vehicle_to_json, view.vehicles))
    files[prepared.SERVICE_EVENTS] = jsonl(map(prepared.event_to_json, view.events))
    files[prepared.CONTRACTS] = jsonl(map(prepared.contract_to_json, view.contracts))
    files[prepared.CAMPAIGN_VEHICLES] = jsonl(map(prepared.campaign_vehicle_to_json, view.campaign_vehicles))
    files[prepared.REJECTS] = jsonl(r.to_json() for r in rejects)
    return files
