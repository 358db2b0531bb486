"""The network: a VPC over two availability zones, and the Redis-compatible event bus inside it."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.settings import Settings

REDIS_PORT = 6380
"""Not the well-known 6379: one more thing a scan of the network has to guess."""


def vpc(scope: Construct, settings: Settings) -> ec2.Vpc:
    network = ec2.Vpc(
        scope,
        "Network",
        max_azs=2,
        nat_gateways=settings.nat_gateways,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
            ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22),
        ],
        # DynamoDB and S3 stay on AWS's network, without a NAT gateway's cost per gigabyte
        gateway_endpoints={
            "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
        },
    )
    network.add_flow_log(
        "FlowLog",
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(
            logs.LogGroup(scope, "FlowLogs", retention=logs.RetentionDays.THREE_MONTHS)
        ),
    )
    return network


@dataclass(frozen=True)
class EventBus:
    """Where the servers find the bus, and the security group a client must be in to reach it."""

    url: str
    clients: ec2.SecurityGroup


def event_bus(scope: Construct, network: ec2.Vpc, settings: Settings) -> EventBus:
    """ElastiCache for Redis, a primary and a replica in two zones with automatic failover, TLS in transit and
    encryption at rest: the Redis Streams bus every API instance and subscription server shares."""
    clients = ec2.SecurityGroup(scope, "EventBusClients", vpc=network, description="may connect to the event bus")
    server = ec2.SecurityGroup(
        scope, "EventBusServer", vpc=network, description="the event bus", allow_all_outbound=False
    )
    server.add_ingress_rule(clients, ec2.Port.tcp(REDIS_PORT), "servers of the API and the subscriptions")
    subnets = elasticache.CfnSubnetGroup(
        scope,
        "EventBusSubnets",
        description="private subnets of the event bus",
        subnet_ids=network.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids,
    )
    group = elasticache.CfnReplicationGroup(
        scope,
        "EventBus",
        replication_group_description=f"aftersales {settings.stage} event bus (Redis Streams)",
        engine="redis",
        engine_version="7.1",
        cache_node_type=settings.redis_node_type,
        num_node_groups=1,
        replicas_per_node_group=1,
        automatic_failover_enabled=True,
        multi_az_enabled=True,
        at_rest_encryption_enabled=True,
        transit_encryption_enabled=True,
        port=REDIS_PORT,
        cache_subnet_group_name=subnets.ref,
        security_group_ids=[server.security_group_id],
        snapshot_retention_limit=1,
    )
    NagSuppressions.add_resource_suppressions(group, [NagPackSuppression(
        id="AwsSolutions-AEC6",
        reason="The servers reach the bus by one URL (AFTERSALES_REDIS_URL); an AUTH token would put a secret into "
        "every function's and task's plain environment. Access is held by the security group (only the API and "
        "subscription servers' group may connect), the private subnets and TLS.",
    )])  # fmt: skip
    url = f"rediss://{group.attr_primary_end_point_address}:{group.attr_primary_end_point_port}/0"
    return EventBus(url=url, clients=clients)
