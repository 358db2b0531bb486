"""The alarms (to one topic) and the dashboard of a deployment."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.settings import Settings

PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class Watched:
    """What the alarms and the dashboard look at."""

    http_api: apigw.HttpApi
    api_function: lambda_.Function
    service: ecs_patterns.ApplicationLoadBalancedFargateService
    state_machine: sfn.StateMachine
    dead_letters: sqs.Queue


def alarm_topic(scope: Construct, settings: Settings) -> sns.Topic:
    # a key of our own: CloudWatch may not use the AWS-managed SNS key to publish to an encrypted topic
    key = kms.Key(scope, "AlarmTopicKey", enable_key_rotation=True, description="encrypts the alarm topic")
    key.grant_encrypt_decrypt(iam.ServicePrincipal("cloudwatch.amazonaws.com"))
    topic = sns.Topic(scope, "Alarms", master_key=key, enforce_ssl=True)
    if settings.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
    return topic


def alarms(scope: Construct, watched: Watched, settings: Settings, topic: sns.ITopic) -> list[cloudwatch.Alarm]:
    requests = watched.http_api.metric_count(period=PERIOD, statistic="Sum")
    server_errors = watched.http_api.metric_server_error(period=PERIOD, statistic="Sum")
    error_rate = cloudwatch.MathExpression(
        expression="100 * errors / MAX([requests, 1])",
        using_metrics={"errors": server_errors, "requests": requests},
        label="5xx %",
        period=PERIOD,
    )
    found = [
        error_rate.create_alarm(
            scope, "Api5xxRate", alarm_description="share of API answers that are 5xx",
            threshold=settings.alarm_5xx_percent, evaluation_periods=2,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        watched.http_api.metric_latency(period=PERIOD, statistic="p99").create_alarm(
            scope, "ApiLatencyP99", alarm_description="p99 latency of the API (ms)",
            threshold=settings.alarm_p99_latency_ms, evaluation_periods=3,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        watched.api_function.metric_throttles(period=PERIOD, statistic="Sum").create_alarm(
            scope, "ApiThrottles", alarm_description="API invocations refused for want of concurrency",
            threshold=settings.alarm_throttles, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        watched.dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Max").create_alarm(
            scope, "ImportStartDeadLettersAlarm", alarm_description="deliveries whose import could not be started",
            threshold=settings.alarm_dlq_messages, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        watched.state_machine.metric_failed(period=PERIOD, statistic="Sum").create_alarm(
            scope, "ImportFailed", alarm_description="imports that failed (ExecutionsFailed)",
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
        watched.service.target_group.metrics.unhealthy_host_count(period=PERIOD, statistic="Max").create_alarm(
            scope, "SubscriptionsUnhealthy", alarm_description="subscription tasks failing their health check",
            threshold=1, evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ),
    ]  # fmt: skip
    for alarm in found:
        alarm.add_alarm_action(actions.SnsAction(topic))
    return found


def dashboard(scope: Construct, watched: Watched, found: list[cloudwatch.Alarm], settings: Settings) -> None:
    api, function, balancer = watched.http_api, watched.api_function, watched.service.load_balancer
    board = cloudwatch.Dashboard(scope, "Dashboard", dashboard_name=f"aftersales-{settings.stage}")
    board.add_widgets(
        cloudwatch.GraphWidget(title="API requests and 5xx", left=[api.metric_count(period=PERIOD)],
                               right=[api.metric_server_error(period=PERIOD)]),
        cloudwatch.GraphWidget(title="API latency (ms)", left=[
            api.metric_latency(period=PERIOD, statistic=s) for s in ("p50", "p90", "p99")
        ]),
        cloudwatch.GraphWidget(title="API function", left=[function.metric_invocations(period=PERIOD)],
                               right=[function.metric_throttles(period=PERIOD), function.metric_errors(period=PERIOD)]),
    )  # fmt: skip
    board.add_widgets(
        cloudwatch.GraphWidget(title="Subscriptions: connections", left=[
            balancer.metrics.active_connection_count(period=PERIOD),
            balancer.metrics.new_connection_count(period=PERIOD),
        ]),
        cloudwatch.GraphWidget(title="Subscriptions: CPU and memory (%)", left=[
            watched.service.service.metric_cpu_utilization(period=PERIOD),
            watched.service.service.metric_memory_utilization(period=PERIOD),
        ]),
        cloudwatch.GraphWidget(title="Imports", left=[
            watched.state_machine.metric_succeeded(period=PERIOD), watched.state_machine.metric_failed(period=PERIOD)
        ], right=[watched.dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD)]),
    )  # fmt: skip
    board.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=found, width=24))
