"""The GraphQL API over HTTP: an API Gateway HTTP API in front of the application in Lambda."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.code import RUNTIME, function_code
from infra.settings import Settings

ROUTES = {
    "/graphql": [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.OPTIONS],
    "/healthz": [apigw.HttpMethod.GET],
    "/readyz": [apigw.HttpMethod.GET],
}

ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
    "method": "$context.httpMethod", "path": "$context.path", "status": "$context.status",
    "latencyMs": "$context.responseLatency", "integrationError": "$context.integrationErrorMessage",
})  # fmt: skip


@dataclass(frozen=True)
class Api:
    function: lambda_.Function
    alias: lambda_.Alias
    http_api: apigw.HttpApi
    stage: apigw.HttpStage


def api(scope: Construct, settings: Settings, environment: dict[str, str], network: ec2.IVpc,
        groups: list[ec2.ISecurityGroup]) -> Api:  # fmt: skip
    function = lambda_.Function(
        scope,
        "ApiFunction",
        description="the GraphQL API (server.lambda_handler)",
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler="server.lambda_handler",
        code=function_code(),
        memory_size=settings.api_memory_mb,
        timeout=Duration.seconds(settings.api_timeout_seconds),
        reserved_concurrent_executions=settings.api_reserved_concurrency or None,
        # a new execution environment resumes from a snapshot taken after the imports (most of a cold start)
        # instead of importing again; Lambda offers it only without provisioned concurrency, which keeps them warm
        snap_start=None if settings.api_provisioned_concurrency else lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
        tracing=lambda_.Tracing.ACTIVE,
        environment=environment,
        vpc=network,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=groups,
        log_group=logs.LogGroup(scope, "ApiLogs", retention=logs.RetentionDays.ONE_MONTH),
    )
    # the API calls the alias, so that provisioned concurrency (kept warm, data set loaded) can be added to it
    alias = function.add_alias(
        "live", provisioned_concurrent_executions=settings.api_provisioned_concurrency or None
    )
    http_api = apigw.HttpApi(
        scope,
        "HttpApi",
        description=f"aftersales {settings.stage}: GraphQL over HTTP",
        create_default_stage=False,
    )
    integration = integrations.HttpLambdaIntegration(
        "Application", alias, payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0
    )
    for path, methods in ROUTES.items():
        http_api.add_routes(path=path, methods=methods, integration=integration)
    stage = apigw.HttpStage(
        scope,
        "HttpStage",
        http_api=http_api,
        stage_name="$default",
        auto_deploy=True,
        throttle=apigw.ThrottleSettings(rate_limit=settings.api_throttle_rate, burst_limit=settings.api_throttle_burst),
    )
    # set on the CloudFormation stage: this version's L2 takes the settings only as a jsii interface instance
    access_logs = logs.LogGroup(scope, "ApiAccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
    cfn_stage = stage.node.default_child
    assert isinstance(cfn_stage, apigw.CfnStage)
    cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
        destination_arn=access_logs.log_group_arn, format=ACCESS_LOG_FORMAT
    )
    for route in http_api.node.find_all():
        if isinstance(route, apigw.HttpRoute):
            NagSuppressions.add_resource_suppressions(route, [NagPackSuppression(
                id="AwsSolutions-APIG4",
                reason="The application authenticates every request itself (API keys and OIDC bearer tokens, "
                "role and scopes per field, 401 UNAUTHENTICATED in production); /healthz and /readyz are open "
                "on purpose.",
            )])  # fmt: skip
    return Api(function=function, alias=alias, http_api=http_api, stage=stage)
