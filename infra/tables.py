"""The DynamoDB tables, built from the CreateTable requests `aftersales init-aws` sends (store.tables)."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from store.tables import TABLES, create_table_request, idempotency_table_request

ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def table_requests(prefix: str) -> list[dict[str, Any]]:
    """Every table of the application, as the CreateTable request that defines it."""
    return [*(create_table_request(t, prefix) for t in TABLES), idempotency_table_request(prefix)]


def _attribute(request: dict[str, Any], role: str) -> dynamodb.Attribute | None:
    names = [k["AttributeName"] for k in request["KeySchema"] if k["KeyType"] == role]
    if not names:
        return None
    types = {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]}
    return dynamodb.Attribute(name=names[0], type=ATTRIBUTE_TYPES[types[names[0]]])


def table_from_request(scope: Construct, request: dict[str, Any]) -> dynamodb.Table:
    """The request's name, keys, billing and tags, plus what only a deployment adds: point-in-time recovery,
    encryption at rest under the account's DynamoDB key, and retention when the stack is deleted."""
    if request["BillingMode"] != "PAY_PER_REQUEST":
        raise ValueError(f"{request['TableName']}: only on-demand tables are defined")
    partition = _attribute(request, "HASH")
    assert partition is not None, request
    table = dynamodb.Table(
        scope,
        request["TableName"],
        table_name=request["TableName"],
        partition_key=partition,
        sort_key=_attribute(request, "RANGE"),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        removal_policy=RemovalPolicy.RETAIN,
    )
    for tag in request.get("Tags", []):
        Tags.of(table).add(tag["Key"], tag["Value"])
    return table


def application_tables(scope: Construct, prefix: str) -> list[dynamodb.Table]:
    return [table_from_request(scope, request) for request in table_requests(prefix)]
