"""`aftersales import SRC --into dynamodb`: the import of preparation.pipeline, published to DynamoDB.

The import's working state (accepted raw records of all deliveries and the merged view) is one version of the
prepared format (`store.prepared`), kept under `prepared-state/` in the archive bucket: every import downloads
it, checks it against its manifest, prepares the new version from it and the delivery exactly as a local
import does, writes the DynamoDB items of the vehicles whose data changed (BatchWriteItem, 25 per call), and
uploads the new state, its manifest last. Importing the same delivery twice writes nothing the second time.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from tqdm import tqdm

from catalog import Catalog
from preparation.pipeline import prepare_version
from preparation.summary import FileCounts
from store import prepared, tables
from store.aws import aws_client, guarded
from store.aws_settings import AwsSettings
from store.dynamodb import write_items
from store.prepared import PreparedDataError
from store.tables import VinTable

STATE_PREFIX = "prepared-state/"
DELIVERY_FILES = ("vehicles.jsonl", "service_events.jsonl", "contracts.jsonl", "campaign_vehicles.jsonl")
TABLE_FILES: dict[str, VinTable] = {
    prepared.VEHICLES: tables.VEHICLES,
    prepared.SERVICE_EVENTS: tables.SERVICE_HISTORY,
    prepared.CONTRACTS: tables.SERVICE_CONTRACTS,
    prepared.CAMPAIGN_VEHICLES: tables.CAMPAIGN_ASSIGNMENTS,
}


def split_s3_url(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError(f"{url!r} names no bucket (expected s3://bucket/prefix)")
    return bucket, prefix.strip("/")


async def download_prefix(s3: Any, bucket: str, prefix: str, into: Path, names: tuple[str, ...] | None) -> int:
    """Objects under `prefix` (only `names`, if given) into the directory; returns how many there were."""
    count = 0
    paginator = s3.get_paginator("list_objects_v2")
    async for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for entry in page.get("Contents", []):
            relative = entry["Key"][len(prefix) + 1 if prefix else 0 :]
            if not relative or (names is not None and relative not in names):
                continue
            response = await guarded(bucket, s3.get_object(Bucket=bucket, Key=entry["Key"]))
            async with response["Body"] as body:
                data = await body.read()
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


async def upload_state(s3: Any, bucket: str, files: Mapping[str, bytes]) -> None:
    """The state's files, then its manifest: an upload cut short leaves a state its manifest refuses."""
    content = {**files, prepared.MANIFEST: prepared.manifest(files)}
    for name in sorted(content, key=lambda n: n == prepared.MANIFEST):
        await guarded(bucket, s3.put_object(Bucket=bucket, Key=STATE_PREFIX + name, Body=content[name]))


def documents(files: Mapping[str, bytes]) -> dict[VinTable, dict[str, list[Any]]]:
    """Per table, each VIN's records as the prepared files (path → content) hold them (empty when there are none)."""
    found: dict[VinTable, dict[str, list[Any]]] = {}
    for file, table in TABLE_FILES.items():
        by_vin: dict[str, list[Any]] = defaultdict(list)
        for line in files.get(file, b"").splitlines():
            record = orjson.loads(line)
            by_vin[record["vin"]].append(record)
        found[table] = dict(by_vin)
    return found


def state_files(state: Path) -> tuple[Path | None, dict[str, bytes]]:
    """The downloaded state as a previous version, and its merged files checked against its manifest."""
    if not (state / prepared.MANIFEST).exists():
        return None, {}
    manifest = prepared.read_manifest(state)
    return state, {name: prepared.read_file(state, manifest, name) for name in TABLE_FILES}


def changes(before: Mapping[str, list[Any]], after: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Put requests for every VIN whose document changed, deletes for parts it no longer has."""
    requests: list[dict[str, Any]] = []
    for vin, records in after.items():
        if before.get(vin) == records:
            continue
        new_items = tables.items(vin, records)
        requests += [{"PutRequest": {"Item": item}} for item in new_items]
        old_parts = len(tables.split(before[vin])) if vin in before else 0
        requests += [{"DeleteRequest": {"Key": tables.key(vin, n)}} for n in range(len(new_items), old_parts)]
    return requests


@contextmanager
def unusable_state(settings: AwsSettings) -> Iterator[None]:
    """A state that cannot be used (damaged, cut short, of an older format) is refused, with what to do."""
    try:
        yield
    except PreparedDataError as exc:
        raise PreparedDataError(
            f"the import state in s3://{settings.bucket}/{STATE_PREFIX} cannot be used ({exc}); delete it "
            "and import the deliveries again to rebuild it"
        ) from None


async def write_changes(
    dynamodb: Any,
    settings: AwsSettings,
    before: Mapping[VinTable, Mapping[str, list[Any]]],
    after: Mapping[VinTable, Mapping[str, list[Any]]],
) -> tuple[int, int]:
    """Writes the items of every VIN whose documents changed (`changes`); returns the item writes and calls."""
    work = [(table, changes(before[table], after[table])) for table in TABLE_FILES.values()]
    total = sum(len(requests) for _, requests in work)
    calls = 0
    with tqdm(total=total, unit="item", delay=1, disable=None, desc="DynamoDB") as bar:
        for table, requests in work:
            name = table.name(settings.table_prefix)
            for start in range(0, len(requests), 500):
                chunk = requests[start : start + 500]
                calls += await write_items(dynamodb, name, chunk, settings.deadline_seconds * 10)
                bar.update(len(chunk))
    return total, calls


async def download_delivery(url: str, settings: AwsSettings, into: Path) -> int:
    """The delivery files under s3://bucket/prefix into a local directory; returns how many were found."""
    bucket, prefix = split_s3_url(url)
    async with aws_client("s3", settings) as s3:
        return await download_prefix(s3, bucket, prefix, into, DELIVERY_FILES)


async def import_into_dynamodb(
    source: str, settings: AwsSettings, catalog: Catalog
) -> tuple[dict[str, FileCounts], list[str]]:
    """The counts per delivery file, and lines that say what was written where."""
    async with aws_client("s3", settings) as s3, aws_client("dynamodb", settings) as dynamodb:
        with tempfile.TemporaryDirectory(prefix="aftersales-import-") as scratch:
            delivery, state = Path(scratch) / "delivery", Path(scratch) / "state"
            delivery.mkdir()
            if source.startswith("s3://"):
                bucket, prefix = split_s3_url(source)
                await download_prefix(s3, bucket, prefix, delivery, DELIVERY_FILES)
            else:
                delivery = Path(source)
            await download_prefix(s3, settings.bucket, STATE_PREFIX.rstrip("/"), state, None)
            with unusable_state(settings):
                previous, previous_files = state_files(state)
                counts, files = prepare_version(delivery, previous, catalog)
            total, calls = await write_changes(dynamodb, settings, documents(previous_files), documents(files))
            await upload_state(s3, settings.bucket, files)
    return counts, [
        f"DynamoDB: {total} item writes in {calls} BatchWriteItem calls (tables {settings.table_prefix}*)",
        f"rejects: s3://{settings.bucket}/{STATE_PREFIX}{prepared.REJECTS}",
    ]
