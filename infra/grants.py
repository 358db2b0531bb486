"""Least privilege: what each part of the deployment may do to the tables and buckets, and why the wildcards
that remain are needed (each one acknowledged to cdk-nag where it is granted)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnElement, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct

from store.tables import IDEMPOTENCY_SUFFIX, RECORDED_EVENTS

QUOTES = "quotes/*"
"""Archived quotes: the servers write and read nothing else of the archive bucket."""


def written_by_servers(table: dynamodb.Table, prefix: str) -> bool:
    """recordServiceEvent writes recorded events and idempotency keys; every other table is the import's."""
    return table.table_name in (RECORDED_EVENTS.name(prefix), f"{prefix}{IDEMPOTENCY_SUFFIX}")


def grant_servers(tables: Sequence[dynamodb.Table], prefix: str, archive: s3.IBucket, role: iam.IRole,
                  owner: IConstruct) -> None:  # fmt: skip
    for table in tables:
        if written_by_servers(table, prefix):
            table.grant_read_write_data(role)
        else:
            table.grant_read_data(role)
    # without ListBucket an unknown quote would be AccessDenied instead of NoSuchKey (archivedQuote: null)
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[archive.bucket_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[archive.arn_for_objects(QUOTES)])
    )
    _acknowledge_objects(owner, archive, QUOTES, "archived quotes are named by the SHA-256 of their content")


def grant_import(tables: Sequence[dynamodb.Table], prefix: str, deliveries: s3.IBucket, archive: s3.IBucket,
                 role: iam.IRole, owner: IConstruct) -> None:  # fmt: skip
    for table in tables:
        if not written_by_servers(table, prefix):
            table.grant_read_write_data(role)
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:ListBucket"], resources=[deliveries.bucket_arn, archive.bucket_arn]
    ))  # fmt: skip
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[deliveries.arn_for_objects("*")])
    )
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=[archive.arn_for_objects("*")]
    ))  # fmt: skip
    _acknowledge_objects(owner, deliveries, "*", "a delivery's files are named by its sender, under any name")
    _acknowledge_objects(owner, archive, "*", "the import's state and its shards' results are files of every "
                         "data set version, named by the version")  # fmt: skip


def _acknowledge_objects(owner: IConstruct, bucket: s3.IBucket, pattern: str, why: str) -> None:
    resource = f"Resource::<{logical_id(bucket)}.Arn>/{pattern}"
    NagSuppressions.add_resource_suppressions(owner, [NagPackSuppression(
        id="AwsSolutions-IAM5", reason=f"Objects of one bucket only: {why}.", applies_to=[resource],
    )], apply_to_children=True)  # fmt: skip


def logical_id(construct: IConstruct) -> str:
    """The logical id of the construct's resource, as cdk-nag writes it in a finding."""
    child = construct.node.default_child
    assert isinstance(child, CfnElement), construct
    return Stack.of(construct).resolve(child.logical_id)  # type: ignore[no-any-return]


def acknowledge_lambda_basics(function: IConstruct, in_vpc: bool = False) -> None:
    """What every function's role holds: its log group, its traces, in a VPC its network interfaces."""
    managed = ["AWSLambdaBasicExecutionRole", *(["AWSLambdaVPCAccessExecutionRole"] if in_vpc else [])]
    NagSuppressions.add_resource_suppressions(function, [
        NagPackSuppression(
            id="AwsSolutions-IAM4",
            reason="The AWS-maintained policies Lambda documents for writing logs and, in a VPC, for its network "
            "interfaces: nothing more.",
            applies_to=[f"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{name}" for name in managed],
        ),
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason="xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource-level "
            "permissions: IAM requires Resource *.",
            applies_to=["Resource::*"],
        ),
    ], apply_to_children=True)  # fmt: skip
