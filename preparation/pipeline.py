"""The import pipeline: check a raw delivery, keep what passes with the accepted records of the version before,
and recompute the prepared view; used by the local import, the DynamoDB import and the demo data set.

Every rule works on the records of one vehicle, so a delivery can be prepared in shards of whole vehicles
(`preparation.sharding`) that are combined into one version (`preparation.writing.combine`); `prepare_shard`
is the work of one shard, in a worker process of the local import or in a Lambda function."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from calculation.records import CampaignVehicle, ServiceContract, Vehicle
from catalog import Catalog
from preparation import merge, raw, summary, validation
from preparation.raw import DMS, REG, VMS, Key, RawEvent, RawVehicle
from preparation.reading import read_lines
from preparation.sharding import WHOLE, Shard
from preparation.summary import FileCounts
from preparation.validation import DUPLICATE_KEY, INVALID_JSON, Reject, Rejected
from preparation.writing import ShardPart, combine, part_lines
from store import prepared, versions
from store.prepared import PreparedDataError
from store.versions import DataSetWriter

R = TypeVar("R")


@dataclass(frozen=True)
class SourceFile(Generic[R]):
    """One delivery file: how to check a record, its natural key, and the form kept in the prepared directory."""

    name: str
    parse: Callable[[Any, Catalog], R]
    key: Callable[[R], Key]
    encode: Callable[[R], dict[str, Any]]
    key_fields: Callable[[Mapping[str, Any]], tuple[str, ...]]
    shared_keys: bool = False
    """Whether two vehicles' records can have one key (it does not name the VIN): shards report such keys."""


VEHICLE_FILE = SourceFile[RawVehicle](
    prepared.VEHICLES, validation.vehicle_record, lambda v: v.key, raw.vehicle_json, lambda _: ("vin", "sourceSystem")
)
EVENT_FILE = SourceFile[RawEvent](
    prepared.SERVICE_EVENTS, validation.event_record, lambda e: e.key, raw.event_json,
    lambda d: ("vin", "workshopCode", "sourceRef") if d.get("sourceSystem") == DMS else ("eventId",),
    shared_keys=True,
)  # fmt: skip
CONTRACT_FILE = SourceFile[ServiceContract](
    prepared.CONTRACTS, validation.contract_record, raw.contract_key, prepared.contract_to_json,
    lambda _: ("contractId",), shared_keys=True,
)  # fmt: skip
CAMPAIGN_FILE = SourceFile[CampaignVehicle](
    prepared.CAMPAIGN_VEHICLES, validation.campaign_vehicle_record, raw.campaign_vehicle_key,
    prepared.campaign_vehicle_to_json, lambda _: ("campaignCode", "vin"),
)  # fmt: skip


@dataclass
class Delivered(Generic[R]):
    """One delivery file after checking: the records that passed so far, with their lines, and the rejects."""

    source: SourceFile[R]
    counts: FileCounts
    passed: list[tuple[int, R]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    """Of a file with shared keys: the key of every record that passed its own checks, in line order."""

    def reject(self, line: int, key: str | None, problem: Rejected) -> None:
        self.rejects.append(Reject(self.source.name, line, key, problem.code, problem.message))

    def accepted(self) -> dict[Key, R]:
        return {self.source.key(record): record for _, record in self.passed}

    def keep(self, check: Callable[[R], None]) -> None:
        """Runs a cross-record check on every record that passed so far; failures become rejects."""
        kept = []
        for line, record in self.passed:
            try:
                check(record)
            except Rejected as problem:
                encoded = self.source.encode(record)
                self.reject(line, validation.raw_key(encoded, self.source.key_fields(encoded)), problem)
            else:
                kept.append((line, record))
        self.passed = kept

    def final_counts(self, merged: Collection[Key]) -> FileCounts:
        self.counts.accepted, self.counts.rejected = len(self.passed), len(self.rejects)
        self.counts.merged = sum(self.source.key(record) in merged for _, record in self.passed)
        return self.counts


def import_delivery(source: Path, into: Path, catalog: Catalog) -> dict[str, FileCounts]:
    """Imports the delivery into the data-set directory `into` as a new version (`store.versions`), switched
    to only once it is complete and durable; returns the counts per delivery file."""
    with versions.writing(into) as writer:
        return import_into(writer, source, catalog)


def import_into(writer: DataSetWriter, source: Path, catalog: Catalog) -> dict[str, FileCounts]:
    counts, files = prepare_version(source, writer.current(), catalog)
    writer.publish(files)
    return counts


def prepare_version(
    source: Path, previous: Path | None, catalog: Catalog
) -> tuple[dict[str, FileCounts], dict[str, bytes]]:
    """Checks every delivered record, keeps the accepted ones with those of the `previous` version, and
    recomputes the prepared view from all of them; returns the counts per delivery file and the new
    version's files (relative path → content)."""
    return combine([prepare_shard(source, previous, catalog, WHOLE)])


def prepare_shard(source: Path, previous: Path | None, catalog: Catalog, shard: Shard) -> ShardPart:
    """`prepare_version` for the vehicles of one shard: only the delivered and stored lines of its VINs are
    read, checked and merged (of the others only the VIN is read)."""
    manifest = prepared.read_manifest(previous) if previous is not None else None
    keep = None if shard == WHOLE else shard.holds_line
    files = [source / s.name for s in (VEHICLE_FILE, EVENT_FILE, CONTRACT_FILE, CAMPAIGN_FILE)]
    # one bar per shard would garble the terminal: the shards' progress is not shown
    bar = summary.progress_bar(sum(path.stat().st_size for path in files if path.is_file()), shown=shard == WHOLE)
    try:
        vehicles = _check(source, VEHICLE_FILE, catalog, bar.update, keep)
        events = _check(source, EVENT_FILE, catalog, bar.update, keep)
        contracts = _check(source, CONTRACT_FILE, catalog, bar.update, keep)
        campaigns = _check(source, CAMPAIGN_FILE, catalog, bar.update, keep)
    finally:
        bar.close()

    def stored(kind: SourceFile[R]) -> dict[Key, R]:
        return {} if previous is None or manifest is None else _stored(previous, manifest, kind, catalog, keep)

    stored_vehicles = stored(VEHICLE_FILE)
    vehicle_records = {**stored_vehicles, **_combined_check(vehicles, stored_vehicles, catalog)}
    master = _master(vehicle_records.values(), catalog)
    events.keep(lambda e: validation.check_event(e, master, catalog))
    contracts.keep(lambda c: validation.check_vin(c.vin, master, catalog))
    campaigns.keep(lambda c: validation.check_vin(c.vin, master, catalog))

    event_records = {**stored(EVENT_FILE), **events.accepted()}
    contract_records = {**stored(CONTRACT_FILE), **contracts.accepted()}
    campaign_records = {**stored(CAMPAIGN_FILE), **campaigns.accepted()}
    view = merge.prepare(
        master, vehicle_records.values(), event_records.values(), contract_records.values(),
        campaign_records.values(), catalog,
    )  # fmt: skip
    lines = part_lines(
        {
            VEHICLE_FILE.name: _encoded(VEHICLE_FILE, vehicle_records),
            EVENT_FILE.name: _encoded(EVENT_FILE, event_records),
            CONTRACT_FILE.name: _encoded(CONTRACT_FILE, contract_records),
            CAMPAIGN_FILE.name: _encoded(CAMPAIGN_FILE, campaign_records),
        },
        view,
    )
    delivered = (vehicles, events, contracts, campaigns)
    return ShardPart(
        counts={d.source.name: d.final_counts(view.merged) for d in delivered},
        lines=lines,
        rejects=[r for d in delivered for r in sorted(d.rejects, key=lambda r: r.line)],
        shared_keys={d.source.name: d.keys for d in delivered if d.source.shared_keys},
    )


def _check(
    source: Path,
    kind: SourceFile[R],
    catalog: Catalog,
    progress: Callable[[int], object],
    keep: Callable[[bytes], bool] | None,
) -> Delivered[R]:
    """Reads one delivery file (the lines `keep` keeps) and checks each record on its own; a missing file
    delivers nothing."""
    path = source / kind.name
    delivered = Delivered(kind, FileCounts(delivered=path.is_file()))
    if not delivered.counts.delivered:
        return delivered
    first_lines: dict[Key, int] = {}
    with path.open("rb") as stream:
        for line in read_lines(stream, progress, keep):
            delivered.counts.read += 1
            if line.record is None:
                delivered.reject(line.line, None, Rejected(line.code, f"Line {line.line} {line.error}."))
                continue
            key_text = validation.raw_key(line.record, kind.key_fields(line.record))
            try:
                record = kind.parse(line.record, catalog)
                # one delivery cannot say which of two records for a key is right; a later delivery may update it
                first = first_lines.setdefault(kind.key(record), line.line)
                if first != line.line:
                    raise Rejected(DUPLICATE_KEY, f"Line {line.line} repeats the key {key_text} of line {first}.")
            except Rejected as problem:
                delivered.reject(line.line, key_text, problem)
            else:
                delivered.passed.append((line.line, record))
                if kind.shared_keys:
                    delivered.keys.append(kind.key(record))
    return delivered


def _combined_check(
    delivered: Delivered[RawVehicle], stored: Mapping[Key, RawVehicle], catalog: Catalog
) -> dict[Key, RawVehicle]:
    """D14: a delivered VMS or REG record is accepted only if, combined with the other source's record
    (delivered or stored), it describes a complete and valid vehicle; otherwise the VIN's lines are rejected."""
    accepted = delivered.accepted()
    rejected: dict[str, Rejected] = {}
    for vin in {key[0] for key in accepted}:
        vms, reg = (accepted.get((vin, s)) or stored.get((vin, s)) for s in (VMS, REG))
        try:
            validation.vehicle(merge.combine_vehicle_records(vms, reg), catalog)
        except Rejected as problem:
            rejected[vin] = problem

    def combines(record: RawVehicle) -> None:
        if record.vin in rejected:
            raise rejected[record.vin]

    delivered.keep(combines)
    return delivered.accepted()


def _master(records: Iterable[RawVehicle], catalog: Catalog) -> dict[str, Vehicle]:
    """The vehicle master: one combined vehicle per VIN from every accepted VMS and REG record."""
    by_vin: dict[str, dict[str, RawVehicle]] = {}
    for record in records:
        by_vin.setdefault(record.vin, {})[record.source_system] = record
    master = {}
    for vin, sources in by_vin.items():
        try:
            master[vin] = validation.vehicle(merge.combine_vehicle_records(sources.get(VMS), sources.get(REG)), catalog)
        except Rejected as problem:
            raise PreparedDataError(f"the stored records of vehicle {vin} are no longer valid: {problem}") from None
    return master


def _stored(
    version: Path,
    manifest: Mapping[str, Any],
    kind: SourceFile[R],
    catalog: Catalog,
    keep: Callable[[bytes], bool] | None,
) -> dict[Key, R]:
    """The accepted raw records an earlier import kept (those `keep` keeps), checked against the manifest and
    again as they are read."""
    name = f"{prepared.RAW_DIR}/{kind.name}"
    records = {}
    for line in read_lines(io.BytesIO(prepared.read_file(version, manifest, name)), keep=keep):
        try:
            if line.record is None:
                raise Rejected(INVALID_JSON, f"the line {line.error}")
            record = kind.parse(line.record, catalog)
        except Rejected as problem:
            raise PreparedDataError(f"{version / name} line {line.line} is damaged: {problem.message}") from None
        records[kind.key(record)] = record
    return records


def _encoded(kind: SourceFile[R], records: Mapping[Key, R]) -> dict[Key, dict[str, Any]]:
    return {key: kind.encode(record) for key, record in records.items()}
