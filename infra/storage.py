"""The S3 buckets: raw deliveries, the quote archive with the import's state, and their access logs."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

INCOMPLETE_UPLOADS = s3.LifecycleRule(
    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(7)
)


def _infrequent_after(days: int) -> list[s3.Transition]:
    return [s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(days))]


def _bucket(
    scope: Construct, name: str, logs: s3.IBucket | None, rules: list[s3.LifecycleRule], events: bool = False
) -> s3.Bucket:
    """Every bucket: encrypted, no public access, TLS only, versioned, kept when the stack is deleted."""
    return s3.Bucket(
        scope,
        name,
        encryption=s3.BucketEncryption.KMS_MANAGED if logs is not None else s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=logs,
        server_access_logs_prefix=f"s3/{name}/" if logs is not None else None,
        lifecycle_rules=[INCOMPLETE_UPLOADS, *rules],
        removal_policy=RemovalPolicy.RETAIN,
        event_bridge_enabled=events,
    )


@dataclass(frozen=True)
class Buckets:
    deliveries: s3.Bucket
    archive: s3.Bucket
    logs: s3.Bucket


def buckets(scope: Construct) -> Buckets:
    # S3-managed keys: the load balancer's log delivery cannot write with a KMS key
    logs = _bucket(scope, "AccessLogs", None, [s3.LifecycleRule(id="expire-logs", expiration=Duration.days(90))])
    NagSuppressions.add_resource_suppressions(logs, [NagPackSuppression(
        id="AwsSolutions-S1", reason="The access-log bucket itself: logging its own access would log forever.",
    )])  # fmt: skip
    deliveries = _bucket(
        scope,
        "RawDeliveries",
        logs,
        [
            # a delivery is read by the import within minutes; it is kept a while for audits and re-imports
            s3.LifecycleRule(
                id="age-deliveries",
                transitions=_infrequent_after(30),
                expiration=Duration.days(365),
                noncurrent_version_expiration=Duration.days(7),
            )
        ],
        events=True,
    )
    archive = _bucket(
        scope,
        "QuoteArchive",
        logs,
        [
            # quotes are written once and rarely read again; the import's state is rewritten by every import
            s3.LifecycleRule(
                id="age-quotes",
                prefix="quotes/",
                transitions=_infrequent_after(90),
            ),
            s3.LifecycleRule(
                id="expire-old-state", prefix="prepared-state/", noncurrent_version_expiration=Duration.days(30)
            ),
        ],
    )
    return Buckets(deliveries=deliveries, archive=archive, logs=logs)


def acknowledge_bucket_notifications(stack: Stack) -> None:
    """CDK's own function that switches on the deliveries bucket's EventBridge notifications (once, at deploy)."""
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            NagSuppressions.add_resource_suppressions(child, [
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="CDK's bucket-notification handler logs with the AWS-maintained basic execution policy.",
                    applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="CDK's handler may set the notification configuration of the buckets it is given; "
                    "s3:PutBucketNotification takes the bucket in the request, CDK grants it on *.",
                    applies_to=["Resource::*"],
                ),
            ], apply_to_children=True)  # fmt: skip
