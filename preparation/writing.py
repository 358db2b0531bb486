"""Renders one version of the prepared data set: accepted raw records, the merged view and the rejects. An
import prepares the version in shards of whole vehicles (one shard when it is not split); each shard renders its
part of every file, and the parts are combined into the version's files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any

from preparation.merge import PreparedView
from preparation.raw import Key
from preparation.summary import FileCounts
from preparation.validation import Reject
from store import prepared
from store.prepared import PreparedDataError

Keyed = list[tuple[Key, str]]
"""The lines of one file, each with the key the file is sorted by."""


@dataclass(frozen=True)
class ShardPart:
    """What one shard prepared: per file its lines in key order, its rejects, its counts per delivery file, and
    the delivered keys two vehicles could share (DSS event ids and contract ids do not name the VIN)."""

    counts: dict[str, FileCounts]
    lines: dict[str, Keyed]
    rejects: list[Reject]
    shared_keys: dict[str, list[Key]]


class SharedKey(PreparedDataError):
    """Records of two vehicles, so of two shards, with one natural key: only the whole delivery can say which
    of them is kept (the first line, or the delivered record over the stored one)."""


def part_lines(raw_records: Mapping[str, Mapping[Key, Mapping[str, Any]]], view: PreparedView) -> dict[str, Keyed]:
    """A shard's lines of every file; `raw_records` maps each delivery file name to its accepted raw records."""
    lines = {
        f"{prepared.RAW_DIR}/{name}": [(key, prepared.dumps(records[key])) for key in sorted(records)]
        for name, records in raw_records.items()
    }
    lines[prepared.VEHICLES] = [((v.vin,), prepared.dumps(prepared.vehicle_to_json(v))) for v in view.vehicles]
    # a vehicle's events keep the order of the odometer check: the sort by VIN alone is stable
    lines[prepared.SERVICE_EVENTS] = [((e.vin,), prepared.dumps(prepared.event_to_json(e))) for e in view.events]
    lines[prepared.CONTRACTS] = [
        ((c.vin, c.contract_id), prepared.dumps(prepared.contract_to_json(c))) for c in view.contracts
    ]
    lines[prepared.CAMPAIGN_VEHICLES] = [
        ((c.vin, c.campaign_code), prepared.dumps(prepared.campaign_vehicle_to_json(c))) for c in view.campaign_vehicles
    ]
    return lines


def combine(parts: Sequence[ShardPart]) -> tuple[dict[str, FileCounts], dict[str, bytes]]:
    """The counts per delivery file and the version's files (relative path → content) of all shards, the same
    bytes for any number of shards; SharedKey if two shards hold one natural key."""
    _check_shared_keys(parts)
    delivery_files = list(parts[0].counts)
    counts = {name: _added([p.counts[name] for p in parts]) for name in delivery_files}
    files = {}
    for name in parts[0].lines:
        lines = list(chain.from_iterable(p.lines[name] for p in parts))
        if len(parts) > 1:
            lines.sort(key=itemgetter(0))  # each part is a sorted run: merged in linear time
            if name.startswith(f"{prepared.RAW_DIR}/"):
                _check_unique(name, lines)
        files[name] = "".join(line + "\n" for _, line in lines).encode("utf-8")
    order = {name: number for number, name in enumerate(delivery_files)}
    rejects = sorted(chain.from_iterable(p.rejects for p in parts), key=lambda r: (order[r.file], r.line))
    files[prepared.REJECTS] = "".join(prepared.dumps(r.to_json()) + "\n" for r in rejects).encode("utf-8")
    return counts, files


def _added(counts: Sequence[FileCounts]) -> FileCounts:
    return FileCounts(
        delivered=any(c.delivered for c in counts), read=sum(c.read for c in counts),
        accepted=sum(c.accepted for c in counts), merged=sum(c.merged for c in counts),
        rejected=sum(c.rejected for c in counts),
    )  # fmt: skip


def _check_shared_keys(parts: Sequence[ShardPart]) -> None:
    if len(parts) == 1:
        return
    for name in parts[0].shared_keys:
        seen: set[Key] = set()
        for part in parts:
            keys = part.shared_keys[name]
            if not seen.isdisjoint(keys):
                key = next(k for k in keys if k in seen)
                raise SharedKey(f"{name}: the key {'/'.join(key)} is delivered for two vehicles")
            seen.update(keys)


def _check_unique(name: str, lines: Keyed) -> None:
    for (key, _), (following, _) in pairwise(lines):
        if key == following:
            raise SharedKey(f"{name}: the key {'/'.join(key)} is held by records of two vehicles")
