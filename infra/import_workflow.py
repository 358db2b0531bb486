"""The import as a Step Functions state machine: plan the shards of a delivery, import each shard in a
Distributed Map, combine the shards into the new data set version; started by a delivery's marker object."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.code import RUNTIME, function_code
from infra.grants import logical_id
from infra.settings import Settings

MARKER = "_COMPLETE"
"""A delivery `deliveries/<name>/` is complete when its marker `deliveries/<name>/_COMPLETE` is written."""
HANDLERS = {
    "Plan": "import_lambda.plan_shards",
    "Shard": "import_lambda.import_shard",
    "Combine": "import_lambda.combine_shards",
}
SHARD_SELECTOR = {
    "bucket.$": "$.bucket",
    "prefix.$": "$.prefix",
    "version.$": "$.version",
    "shardCount.$": "$.shardCount",
    "shard.$": "$$.Map.Item.Value",
}
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]  # fmt: skip


@dataclass(frozen=True)
class ImportWorkflow:
    functions: dict[str, lambda_.Function]
    state_machine: sfn.StateMachine
    dead_letters: sqs.Queue


def _function(scope: Construct, name: str, settings: Settings, environment: dict[str, str]) -> lambda_.Function:
    return lambda_.Function(
        scope,
        f"Import{name}Function",
        description=f"the import: {HANDLERS[name]}",
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=HANDLERS[name],
        code=function_code(),
        memory_size=settings.import_memory_mb,
        timeout=Duration.minutes(15),
        tracing=lambda_.Tracing.ACTIVE,
        environment=environment,
        log_group=logs.LogGroup(scope, f"Import{name}Logs", retention=logs.RetentionDays.THREE_MONTHS),
    )


def _invoke(scope: Construct, name: str, function: lambda_.IFunction) -> sfn.TaskStateBase:
    """The function's answer is the state's output; the Lambda service's own errors are retried, with a longer
    patience than the default's, since a thousand shards at once meet throttling."""
    task = tasks.LambdaInvoke(
        scope, name, lambda_function=function, payload_response_only=True, retry_on_service_exceptions=False
    )
    return task.add_retry(errors=LAMBDA_SERVICE_ERRORS, interval=Duration.seconds(2), max_attempts=6, backoff_rate=2)


def definition(scope: Construct, functions: dict[str, lambda_.Function], settings: Settings) -> sfn.IChainable:
    failed = sfn.Fail(scope, "Import failed", comment="the delivery was not imported; the data set is unchanged")
    # started by the marker's event, the input names the marker: the delivery is the folder it stands in
    from_marker = sfn.Pass(
        scope,
        "Delivery of the marker",
        parameters={
            "bucket.$": "$.bucket",
            "prefix.$": "States.Format('deliveries/{}/', States.ArrayGetItem(States.StringSplit($.marker, '/'), 1))",
        },
    )
    plan = _invoke(scope, "Plan shards", functions["Plan"]).add_catch(failed, result_path="$.error")
    shards = sfn.DistributedMap(
        scope,
        "Import shards",
        items_path="$.shards",
        item_selector=SHARD_SELECTOR,
        result_path="$.results",
        max_concurrency=settings.import_max_concurrency,
        tolerated_failure_percentage=0,  # one failed shard fails the import: left out of the template, the default
    )
    shards.item_processor(_invoke(scope, "Import shard", functions["Shard"]))
    shards.add_catch(failed, result_path="$.error")
    combine = _invoke(scope, "Combine shards", functions["Combine"]).add_catch(failed, result_path="$.error")
    chain = plan.next(shards).next(combine).next(sfn.Succeed(scope, "Imported"))
    return (
        sfn.Choice(scope, "Started by a marker?")
        .when(sfn.Condition.is_present("$.marker"), from_marker.next(chain))
        .otherwise(chain)
    )


def import_workflow(
    scope: Construct, settings: Settings, environment: dict[str, str], deliveries: s3.IBucket
) -> ImportWorkflow:
    functions = {name: _function(scope, name, settings, environment) for name in HANDLERS}
    machine = sfn.StateMachine(
        scope,
        "Import",
        definition_body=sfn.DefinitionBody.from_chainable(definition(scope, functions, settings)),
        tracing_enabled=True,
        logs=sfn.LogOptions(
            destination=logs.LogGroup(scope, "ImportLogs", retention=logs.RetentionDays.THREE_MONTHS),
            level=sfn.LogLevel.ALL,
        ),
    )
    _acknowledge(machine, functions)
    dead_letters = sqs.Queue(
        scope,
        "ImportStartDeadLetters",
        enforce_ssl=True,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        retention_period=Duration.days(14),
    )
    NagSuppressions.add_resource_suppressions(dead_letters, [NagPackSuppression(
        id="AwsSolutions-SQS3",
        reason="This queue is itself the dead-letter queue of the rule that starts the import.",
    )])  # fmt: skip
    events.Rule(
        scope,
        "DeliveryComplete",
        description="a delivery's marker object starts its import",
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={
                "bucket": {"name": [deliveries.bucket_name]},
                "object": {"key": [{"wildcard": f"deliveries/*/{MARKER}"}]},
            },
        ),
        targets=[
            targets.SfnStateMachine(
                machine,
                input=events.RuleTargetInput.from_object({
                    "bucket": events.EventField.from_path("$.detail.bucket.name"),
                    "marker": events.EventField.from_path("$.detail.object.key"),
                }),
                dead_letter_queue=dead_letters,
                retry_attempts=8,
                max_event_age=Duration.hours(24),
            )
        ],
    )
    return ImportWorkflow(functions=functions, state_machine=machine, dead_letters=dead_letters)


def _acknowledge(machine: sfn.StateMachine, functions: dict[str, lambda_.Function]) -> None:
    versions = [f"Resource::<{logical_id(f)}.Arn>:*" for f in functions.values()]
    executions = [
        f"Resource::arn:<AWS::Partition>:states:{Stack.of(machine).region}:<AWS::AccountId>:execution:"
        + f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{logical_id(machine)}"}}]}}]}}' + tail
        for tail in (":*", "/*:*")
    ]
    NagSuppressions.add_resource_suppressions(machine, [
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason="lambda:InvokeFunction on the versions and aliases (`:*`) of the import's own three functions.",
            applies_to=versions,
        ),
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason="The Distributed Map starts, describes and stops the child executions of this state machine "
            "only, whose names Step Functions chooses.",
            applies_to=executions,
        ),
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason="X-Ray tracing (xray:PutTraceSegments …) and log delivery (logs:CreateLogDelivery …) have no "
            "resource-level permissions: IAM requires Resource *.",
            applies_to=["Resource::*"],
        ),
    ], apply_to_children=True)  # fmt: skip

