"""AWS Lambda handlers of the sharded import (`preparation.aws_shards`), the steps of a Step Functions state
machine: `plan_shards` → a Distributed Map of `import_shard`, one per shard → `combine_shards`.

Settings come from the environment as for the API (`config.Config.from_env().aws`: AFTERSALES_TABLE_PREFIX,
AFTERSALES_BUCKET …; region, endpoint and credentials from botocore's standard chain); the delivery's bucket
and prefix come in the event.
"""

from __future__ import annotations

import asyncio
from typing import Any

from catalog import default_catalog
from config import Config
from preparation import aws_shards
from preparation.sharding import Shard


def plan_shards(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """{"bucket", "prefix"[, "shardCount"]} → {"bucket", "prefix", "version", "shardCount", "shards": [0 …]}."""
    settings = Config.from_env().aws
    return asyncio.run(aws_shards.plan(event["bucket"], event["prefix"], settings, event.get("shardCount")))


def import_shard(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """{"bucket", "prefix", "version", "shardCount", "shard"} → the shard's counts and DynamoDB writes."""
    shard = Shard(int(event["shard"]), int(event["shardCount"]))
    settings = Config.from_env().aws
    return asyncio.run(
        aws_shards.import_shard(event["bucket"], event["prefix"], event["version"], shard, settings, default_catalog())
    )


def combine_shards(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The state with "results" (every import_shard's answer) → the combined counts and where the rejects are."""
    settings = Config.from_env().aws
    return asyncio.run(
        aws_shards.combine_shards(event["version"], int(event["shardCount"]), event["results"], settings)
    )
