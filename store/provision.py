"""Creates what is missing on AWS: the tables of store.tables and the archive bucket (idempotent)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from store.aws import aws_client, guarded
from store.aws_settings import AwsSettings
from store.tables import TABLES, create_table_request, idempotency_table_request

MISSING = {"ResourceNotFoundException", "404", "NoSuchBucket", "NotFound"}


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING


async def ensure_tables(client: Any, settings: AwsSettings) -> list[str]:
    created = []
    requests = [create_table_request(t, settings.table_prefix) for t in TABLES]
    for request in [*requests, idempotency_table_request(settings.table_prefix)]:
        name = request["TableName"]
        try:
            await client.describe_table(TableName=name)
        except ClientError as exc:
            if not _missing(exc):
                raise
            await guarded(name, client.create_table(**request))
            created.append(name)
        await client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return created


async def ensure_bucket(client: Any, settings: AwsSettings) -> bool:
    try:
        await client.head_bucket(Bucket=settings.bucket)
        return False
    except ClientError as exc:
        if not _missing(exc):
            raise
    region = client.meta.region_name
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    await guarded(settings.bucket, client.create_bucket(Bucket=settings.bucket, **location))
    return True


async def ensure_resources(settings: AwsSettings) -> list[str]:
    """Names of what was created; an existing table or bucket is left as it is."""
    async with aws_client("dynamodb", settings) as dynamodb, aws_client("s3", settings) as s3:
        created = await ensure_tables(dynamodb, settings)
        if await ensure_bucket(s3, settings):
            created.append(f"s3://{settings.bucket}")
    return created
