"""The subscription service: the same application in containers on ECS Fargate, behind a load balancer that
keeps WebSockets (graphql-transport-ws) open; every task reads the shared Redis Streams bus."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.code import ROOT
from infra.settings import Settings

PORT = 8000


def subscription_service(scope: Construct, settings: Settings, environment: dict[str, str], network: ec2.IVpc,
                         groups: list[ec2.ISecurityGroup], logs_bucket: s3.IBucket
                         ) -> ecs_patterns.ApplicationLoadBalancedFargateService:  # fmt: skip
    cluster = ecs.Cluster(
        scope, "Cluster", vpc=network, container_insights_v2=ecs.ContainerInsights.ENABLED
    )
    certificate = (
        acm.Certificate.from_certificate_arn(scope, "Certificate", settings.certificate_arn)
        if settings.certificate_arn
        else None
    )
    service = ecs_patterns.ApplicationLoadBalancedFargateService(
        scope,
        "Subscriptions",
        cluster=cluster,
        cpu=settings.service_cpu,
        memory_limit_mib=settings.service_memory_mb,
        desired_count=settings.service_min_tasks,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.ARM64, operating_system_family=ecs.OperatingSystemFamily.LINUX
        ),
        task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
            # the project's Dockerfile: staged at synthesis, built and pushed by `cdk deploy`
            image=ecs.ContainerImage.from_asset(
                str(ROOT), file="Dockerfile", platform=ecr_assets.Platform.LINUX_ARM64
            ),
            container_port=PORT,
            environment=environment,
            log_driver=ecs.LogDrivers.aws_logs(
                stream_prefix="subscriptions",
                log_group=logs.LogGroup(scope, "SubscriptionLogs", retention=logs.RetentionDays.ONE_MONTH),
            ),
        ),
        certificate=certificate,
        protocol=elbv2.ApplicationProtocol.HTTPS if certificate else elbv2.ApplicationProtocol.HTTP,
        redirect_http=certificate is not None,
        security_groups=groups,
        task_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        idle_timeout=Duration.seconds(settings.service_idle_timeout_seconds),
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        min_healthy_percent=100,
    )
    service.target_group.configure_health_check(path="/healthz", healthy_http_codes="200")
    # a closing task's sockets get time to end; clients resume from their last cursor on another task
    service.target_group.set_attribute("deregistration_delay.timeout_seconds", "30")
    service.load_balancer.log_access_logs(logs_bucket, "alb")
    scaling = service.service.auto_scale_task_count(
        min_capacity=settings.service_min_tasks, max_capacity=settings.service_max_tasks
    )
    scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)
    _acknowledge(service)
    return service


def _acknowledge(service: ecs_patterns.ApplicationLoadBalancedFargateService) -> None:
    NagSuppressions.add_resource_suppressions(service.load_balancer, [NagPackSuppression(
        id="AwsSolutions-EC23",
        reason="The subscription endpoint is public: clients connect from anywhere, authenticated by the "
        "application in connection_init (closed with 4403 otherwise).",
    )], apply_to_children=True)  # fmt: skip
    NagSuppressions.add_resource_suppressions(service.task_definition, [NagPackSuppression(
        id="AwsSolutions-ECS2",
        reason="The environment holds configuration only (table prefix, bucket, bus URL, issuer): no secret.",
    )])  # fmt: skip
    NagSuppressions.add_resource_suppressions(service.task_definition.obtain_execution_role(), [NagPackSuppression(
        id="AwsSolutions-IAM5",
        reason="ecr:GetAuthorizationToken, which pulls the image, has no resource-level permissions: IAM requires "
        "Resource *; the image's repository and the log group are granted by name.",
        applies_to=["Resource::*"],
    )], apply_to_children=True)  # fmt: skip
