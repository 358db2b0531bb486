"""The sharded import on AWS, as the Lambda functions of `import_lambda` run it under a Step Functions state
machine: plan the shards of a delivery in S3, prepare each shard (`pipeline.prepare_shard`: its DynamoDB items
written, its part of the new import state kept in the archive bucket), and combine the parts into the new import
state, its manifest last: the same state and the same items as `aftersales import SRC --into dynamodb`.

Every shard checks that it merged into the state the others merged into (the SHA-256 of its manifest), and the
combination that this state is still the one in the bucket: two imports that overlap cannot mix.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from catalog import Catalog
from preparation.aws_import import (
    DELIVERY_FILES,
    STATE_PREFIX,
    TABLE_FILES,
    documents,
    download_prefix,
    state_files,
    unusable_state,
    upload_state,
    write_changes,
)
from preparation.pipeline import prepare_shard
from preparation.sharding import Shard
from preparation.summary import FileCounts
from preparation.validation import Reject
from preparation.writing import ShardPart, SharedKey, combine
from store import prepared
from store.aws import aws_client, guarded
from store.aws_settings import AwsSettings
from store.prepared import PreparedDataError

SHARDS_PREFIX = "import-shards/"
"""Where the shards' parts wait for the combination, in the archive bucket (outside the state's prefix)."""
SHARD_BYTES = 32 * 1024 * 1024
"""Delivery bytes per shard: about 10,000 vehicles with their histories, a few seconds of one Lambda function."""
MAX_SHARDS = 100
IMPORT_NAME = re.compile(r"[0-9A-Za-z-]{1,64}")


async def plan(bucket: str, prefix: str, settings: AwsSettings, shard_count: int | None = None) -> dict[str, Any]:
    """The shards of the delivery under s3://bucket/prefix: one per SHARD_BYTES (at most MAX_SHARDS), or
    `shard_count`; and a name for this import's parts."""
    prefix = prefix.strip("/")
    size = 0
    async with aws_client("s3", settings) as s3:
        paginator = s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
            size += sum(e["Size"] for e in page.get("Contents", []) if e["Key"].rpartition("/")[2] in DELIVERY_FILES)
    count = shard_count or max(1, min(MAX_SHARDS, -(-size // SHARD_BYTES)))
    version = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(4)}"
    return {"bucket": bucket, "prefix": prefix, "version": version, "shardCount": count, "shards": list(range(count))}


async def import_shard(
    bucket: str, prefix: str, version: str, shard: Shard, settings: AwsSettings, catalog: Catalog
) -> dict[str, Any]:
    """Prepares one shard of the delivery into the current state, writes its vehicles' changed DynamoDB items
    and keeps its part for the combination; returns its counts."""
    async with aws_client("s3", settings) as s3, aws_client("dynamodb", settings) as dynamodb:
        with tempfile.TemporaryDirectory(prefix="aftersales-shard-") as scratch:
            delivery, state = Path(scratch) / "delivery", Path(scratch) / "state"
            delivery.mkdir()
            await download_prefix(s3, bucket, prefix.strip("/"), delivery, DELIVERY_FILES)
            await download_prefix(s3, settings.bucket, STATE_PREFIX.rstrip("/"), state, None)
            with unusable_state(settings):
                previous, previous_files = state_files(state)
                part = prepare_shard(delivery, previous, catalog, shard)
            base = _digest(state)
        before = {table: {v: d for v, d in by_vin.items() if shard.holds(v)}
                  for table, by_vin in documents(previous_files).items()}  # fmt: skip
        after = documents({name: _content(part.lines[name]) for name in TABLE_FILES})
        writes, calls = await write_changes(dynamodb, settings, before, after)
        key = _part_key(version, shard.index)
        await guarded(settings.bucket, s3.put_object(Bucket=settings.bucket, Key=key, Body=_part_json(part)))
    return {
        "shard": shard.index, "base": base, "counts": {name: asdict(c) for name, c in part.counts.items()},
        "rejected": len(part.rejects), "itemWrites": writes, "calls": calls,
    }  # fmt: skip


async def combine_shards(
    version: str, shard_count: int, results: Sequence[Mapping[str, Any]], settings: AwsSettings
) -> dict[str, Any]:
    """The shards' parts as the new import state, uploaded with its manifest last, once every shard is done
    and only onto the state they all merged into; the parts are removed after."""
    if sorted(r["shard"] for r in results) != list(range(shard_count)):
        raise PreparedDataError(f"import {version}: results of shards {sorted(r['shard'] for r in results)} "
                                f"for {shard_count} shards")  # fmt: skip
    async with aws_client("s3", settings) as s3:
        with tempfile.TemporaryDirectory(prefix="aftersales-combine-") as scratch:
            await download_prefix(s3, settings.bucket, STATE_PREFIX.rstrip("/"), Path(scratch), (prepared.MANIFEST,))
            base = _digest(Path(scratch))
        if any(r["base"] != base for r in results):
            raise PreparedDataError(
                f"import {version}: the import state in s3://{settings.bucket}/{STATE_PREFIX} changed while the "
                "shards ran (another import); run this import again"
            )
        parts = []
        for index in range(shard_count):
            key = _part_key(version, index)
            response = await guarded(settings.bucket, s3.get_object(Bucket=settings.bucket, Key=key))
            async with response["Body"] as body:
                parts.append(_part_from_json(await body.read()))
        try:
            counts, files = combine(parts)
        except SharedKey as exc:
            raise PreparedDataError(f"{exc}: import this delivery with `aftersales import … --into dynamodb`") from None
        await upload_state(s3, settings.bucket, files)
        for index in range(shard_count):
            await guarded(settings.bucket, s3.delete_object(Bucket=settings.bucket, Key=_part_key(version, index)))
    return {
        "version": version, "shardCount": shard_count, "counts": {name: asdict(c) for name, c in counts.items()},
        "itemWrites": sum(r["itemWrites"] for r in results),
        "rejects": f"s3://{settings.bucket}/{STATE_PREFIX}{prepared.REJECTS}",
    }  # fmt: skip


def _part_key(version: str, index: int) -> str:
    if not IMPORT_NAME.fullmatch(version):
        raise ValueError(f"{version!r} is not the name of an import")
    return f"{SHARDS_PREFIX}{version}/{index:05d}.json"


def _digest(state: Path) -> str:
    """The SHA-256 of the state's manifest (which names every file's), or "" before the first import."""
    manifest = state / prepared.MANIFEST
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else ""


def _content(lines: Sequence[tuple[Any, str]]) -> bytes:
    return "".join(line + "\n" for _, line in lines).encode("utf-8")


def _part_json(part: ShardPart) -> bytes:
    return orjson.dumps({
        "counts": {name: asdict(c) for name, c in part.counts.items()},
        "lines": part.lines,
        "rejects": [r.to_json() for r in part.rejects],
        "sharedKeys": part.shared_keys,
    })  # fmt: skip


def _part_from_json(data: bytes) -> ShardPart:
    part = orjson.loads(data)
    return ShardPart(
        counts={name: FileCounts(**c) for name, c in part["counts"].items()},
        lines={name: [(tuple(key), line) for key, line in lines] for name, lines in part["lines"].items()},
        rejects=[Reject(**r) for r in part["rejects"]],
        shared_keys={name: [tuple(k) for k in keys] for name, keys in part["sharedKeys"].items()},
    )
