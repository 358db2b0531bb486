"""The sharded import's Lambda handlers (`import_lambda`), called in process as the state machine calls them (plan,
every shard, combine) against the moto server: the same import state and the same DynamoDB items as the
unsharded `aftersales import SRC --into dynamodb`, for a delivery that merges into an earlier one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import import_lambda
from catalog import default_catalog
from preparation.aws_import import import_into_dynamodb
from store import tables
from store.aws import aws_client
from store.aws_settings import AwsSettings
from store.provision import ensure_resources
from tests.aws.moto_server import MotoServer

UNSHARDED = AwsSettings(table_prefix="one-", bucket="one-archive", call_timeout_seconds=10.0, deadline_seconds=20.0)
SHARDED = AwsSettings(table_prefix="two-", bucket="two-archive", call_timeout_seconds=10.0, deadline_seconds=20.0)
DELIVERIES = "deliveries"


@pytest.fixture
def sharded_env(aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handlers' settings from the environment, as in the Lambda functions."""
    for name, value in {
        "AFTERSALES_TABLE_PREFIX": SHARDED.table_prefix, "AFTERSALES_BUCKET": SHARDED.bucket,
        "AFTERSALES_AWS_TIMEOUT_MS": "10000", "AFTERSALES_AWS_DEADLINE_MS": "20000",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def small_delivery(raw_delivery: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated delivery's first 40 vehicles, all their records; and a first delivery of 20 of them (the
    other vehicles' records are rejects), with a line that is no record."""
    root = tmp_path_factory.mktemp("small")
    vehicles = (raw_delivery / "vehicles.jsonl").read_text().splitlines(keepends=True)
    vins = {line.split('"vin":"', 1)[1][:17] for line in vehicles[:40]}
    deliveries = {"first": root / "first", "whole": root / "whole"}
    for directory in deliveries.values():
        directory.mkdir()
        for path in raw_delivery.iterdir():
            lines = path.read_text().splitlines(keepends=True)
            (directory / path.name).write_text("".join(line for line in lines if any(v in line for v in vins)))
    (deliveries["first"] / "vehicles.jsonl").write_text("".join(vehicles[:20]) + "not json\n")
    return deliveries


async def upload(deliveries: dict[str, Path]) -> None:
    async with aws_client("s3", SHARDED) as s3:
        await s3.create_bucket(Bucket=DELIVERIES, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        for prefix, directory in deliveries.items():
            for path in directory.iterdir():
                await s3.put_object(Bucket=DELIVERIES, Key=f"{prefix}/{path.name}", Body=path.read_bytes())


async def stored(settings: AwsSettings) -> tuple[dict[str, bytes], dict[str, list[dict[str, Any]]]]:
    """Every object of the archive bucket, and every imported DynamoDB item by table."""
    objects, found = {}, {}
    async with aws_client("s3", settings) as s3, aws_client("dynamodb", settings) as dynamodb:
        for entry in (await s3.list_objects_v2(Bucket=settings.bucket)).get("Contents", []):
            response = await s3.get_object(Bucket=settings.bucket, Key=entry["Key"])
            async with response["Body"] as body:
                objects[entry["Key"]] = await body.read()
        for table in tables.TABLES:
            if table is tables.RECORDED_EVENTS:
                continue
            paginator = dynamodb.get_paginator("scan")
            pages = paginator.paginate(TableName=table.name(settings.table_prefix))
            rows = [item async for page in pages for item in page["Items"]]
            found[table.name("")] = sorted(rows, key=lambda i: (i["vin"]["S"], int(i["part"]["N"])))
    return objects, found


def run_state_machine(prefix: str, shard_count: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    plan = import_lambda.plan_shards({"bucket": DELIVERIES, "prefix": prefix, "shardCount": shard_count}, None)
    assert plan["shards"] == list(range(shard_count))
    common = {name: plan[name] for name in ("bucket", "prefix", "version", "shardCount")}
    results = [import_lambda.import_shard({**common, "shard": shard}, None) for shard in plan["shards"]]
    return import_lambda.combine_shards({**plan, "results": results}, None), results


def test_the_handlers_in_sequence_give_the_state_and_items_of_the_unsharded_import(
    sharded_env: None, small_delivery: dict[str, Path]
) -> None:
    for settings in (UNSHARDED, SHARDED):
        asyncio.run(ensure_resources(settings))
    asyncio.run(upload(small_delivery))
    for settings in (UNSHARDED, SHARDED):  # the same state to merge into
        asyncio.run(import_into_dynamodb(f"s3://{DELIVERIES}/first", settings, default_catalog()))
    _, notes = asyncio.run(import_into_dynamodb(f"s3://{DELIVERIES}/whole", UNSHARDED, default_catalog()))
    summary, results = run_state_machine("whole", 3)
    assert notes[0].startswith(f"DynamoDB: {summary['itemWrites']} item writes")
    assert summary["itemWrites"] > 0 and all(r["itemWrites"] > 0 for r in results)
    sharded = asyncio.run(stored(SHARDED))
    assert sharded == asyncio.run(stored(UNSHARDED))  # the shards' parts removed too
    assert summary["counts"]["vehicles.jsonl"]["accepted"] == 40
    assert len(sharded[1]["vehicles"]) == 40


def test_the_combination_refuses_a_state_that_changed_while_the_shards_ran(
    sharded_env: None, small_delivery: dict[str, Path]
) -> None:
    asyncio.run(ensure_resources(SHARDED))
    asyncio.run(upload({"whole": small_delivery["first"]}))
    plan = import_lambda.plan_shards({"bucket": DELIVERIES, "prefix": "whole", "shardCount": 2}, None)
    common = {name: plan[name] for name in ("bucket", "prefix", "version", "shardCount")}
    results = [import_lambda.import_shard({**common, "shard": shard}, None) for shard in plan["shards"]]
    asyncio.run(import_into_dynamodb(f"s3://{DELIVERIES}/whole", SHARDED, default_catalog()))  # finished first
    with pytest.raises(ValueError, match="changed while the shards ran"):
        import_lambda.combine_shards({**plan, "results": results}, None)
    with pytest.raises(ValueError, match=r"results of shards \[0\] for 2 shards"):
        import_lambda.combine_shards({**plan, "results": results[:1]}, None)


def test_the_plan_makes_one_shard_of_a_small_delivery(sharded_env: None, small_delivery: dict[str, Path]) -> None:
    asyncio.run(upload({"2025/06": small_delivery["whole"]}))
    plan = import_lambda.plan_shards({"bucket": DELIVERIES, "prefix": "2025/06/"}, None)
    assert (plan["bucket"], plan["prefix"], plan["shardCount"], plan["shards"]) == (DELIVERIES, "2025/06", 1, [0])
