"""The synthesized CloudFormation of the deployment: what each part must hold (synthesized once: jsii is slow)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template

from infra.app import build
from infra.import_workflow import HANDLERS, SHARD_SELECTOR
from infra.tables import table_requests

PREFIX = "aftersales-test-"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    _, built = build(outdir=Path(tmp_path_factory.mktemp("cdk.out")), context={"stage": "test"})
    return built


@pytest.fixture(scope="module")
def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


def resources(template: Template, kind: str) -> dict[str, Any]:
    found = dict(template.find_resources(kind))
    return found


def test_no_unacknowledged_aws_solutions_finding(stack: Stack) -> None:
    annotations = Annotations.from_stack(stack)
    assert annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")) == []
    assert annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")) == []


def test_tables_are_the_definitions_init_aws_creates(template: Template) -> None:
    found = resources(template, "AWS::DynamoDB::Table").values()
    tables = {t["Properties"]["TableName"]: t["Properties"] for t in found}
    requests = table_requests(PREFIX)
    assert set(tables) == {r["TableName"] for r in requests}
    for request in requests:
        table = tables[request["TableName"]]
        assert table["KeySchema"] == request["KeySchema"]
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(request["AttributeDefinitions"], key=str)
        assert table["BillingMode"] == request["BillingMode"]
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["SSESpecification"]["SSEEnabled"] is True


def test_every_function_is_arm64_and_traced(template: Template) -> None:
    functions = [f["Properties"] for f in resources(template, "AWS::Lambda::Function").values()
                 if f["Properties"].get("Handler") in {"server.lambda_handler", *HANDLERS.values()}]  # fmt: skip
    assert {f["Handler"] for f in functions} == {"server.lambda_handler", *HANDLERS.values()}
    for function in functions:
        assert function["Architectures"] == ["arm64"]
        assert function["TracingConfig"] == {"Mode": "Active"}


def test_the_api_function_reads_the_aws_store_and_the_redis_bus_in_production(template: Template) -> None:
    template.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "server.lambda_handler",
        "Environment": {"Variables": Match.object_like({
            "AFTERSALES_PRODUCTION": "1", "AFTERSALES_BACKEND": "dynamodb", "AFTERSALES_TABLE_PREFIX": PREFIX,
            "AFTERSALES_EVENT_BUS": "redis", "AFTERSALES_REDIS_URL": Match.any_value(),
            "AFTERSALES_BUCKET": Match.any_value(),
        })},
    })  # fmt: skip


def test_buckets_block_public_access_encrypt_and_refuse_plain_http(template: Template) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 3
    for bucket in buckets.values():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True
        }  # fmt: skip
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert properties["LifecycleConfiguration"]["Rules"]
    policies = resources(template, "AWS::S3::BucketPolicy")
    assert len(policies) == 3
    for policy in policies.values():
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )


def test_no_policy_allows_every_action_or_any_action_on_every_resource(template: Template) -> None:
    for policy in resources(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "*" not in actions, statement
            assert not (statement["Resource"] == "*" and any(a.endswith(":*") for a in actions)), statement


def test_the_alarms_watch_errors_latency_throttles_dead_letters_and_failed_imports(template: Template) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    metrics = {a["Properties"].get("MetricName") for a in alarms}
    assert {"Latency", "Throttles", "ApproximateNumberOfMessagesVisible", "ExecutionsFailed"} <= metrics
    expressions = [m for a in alarms for m in a["Properties"].get("Metrics", [])]
    assert any("5xx" in str(m.get("MetricStat", {}).get("Metric", {}).get("MetricName")) for m in expressions)
    assert all(a["Properties"]["AlarmActions"] for a in alarms)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_the_import_is_a_distributed_map_over_the_shards(template: Template) -> None:
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    states = _states(machine["Properties"]["DefinitionString"])
    shards = states["Import shards"]
    assert shards["Type"] == "Map"
    assert shards["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert shards["ItemsPath"] == "$.shards"
    assert shards["ItemSelector"] == SHARD_SELECTOR
    assert shards["ResultPath"] == "$.results"
    # no failure tolerated: Step Functions' default, which CDK writes by leaving both fields out
    assert shards.get("ToleratedFailurePercentage", 0) == 0 and shards.get("ToleratedFailureCount", 0) == 0
    assert shards["Next"] == "Combine shards"
    (shard,) = shards["ItemProcessor"]["States"].values()
    assert "Lambda.ServiceException" in shard["Retry"][0]["ErrorEquals"]
    assert states["Plan shards"]["Next"] == "Import shards"
    assert {c["Next"] for name in ("Plan shards", "Import shards", "Combine shards") for c in states[name]["Catch"]} \
        == {"Import failed"}
    assert states["Import failed"]["Type"] == "Fail"


def test_a_delivery_marker_starts_the_import(template: Template) -> None:
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": Match.object_like({
            "source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": Match.object_like({"object": {"key": [{"wildcard": "deliveries/*/_COMPLETE"}]}}),
        }),
        "Targets": [Match.object_like({"DeadLetterConfig": Match.any_value()})],
    })  # fmt: skip


def test_the_http_api_routes_graphql_to_the_function(template: Template) -> None:
    routes = {r["Properties"]["RouteKey"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()}
    assert {"POST /graphql", "GET /graphql", "GET /healthz"} <= routes
    template.has_resource_properties("AWS::ApiGatewayV2::Integration", {
        "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
    })  # fmt: skip
    template.has_resource_properties("AWS::ApiGatewayV2::Stage", {"AccessLogSettings": Match.any_value()})


def test_subscriptions_run_in_fargate_behind_a_load_balancer_with_long_lived_sockets(template: Template) -> None:
    template.has_resource_properties("AWS::ECS::Service", {"LaunchType": "FARGATE"})
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "LoadBalancerAttributes": Match.array_with([{"Key": "idle_timeout.timeout_seconds", "Value": "3600"}]),
    })  # fmt: skip
    template.has_resource_properties("AWS::ElastiCache::ReplicationGroup", {
        "TransitEncryptionEnabled": True, "AtRestEncryptionEnabled": True, "MultiAZEnabled": True,
    })  # fmt: skip


def _states(definition: Any) -> dict[str, Any]:
    """The definition's states: CloudFormation joins it from text and references (the functions' ARNs)."""
    text = "".join(part if isinstance(part, str) else "ref" for part in definition["Fn::Join"][1])
    states: dict[str, Any] = json.loads(text)["States"]
    return states


def test_the_api_function_resumes_from_a_snapshot_unless_provisioned_concurrency_keeps_it_warm(
    template: Template, tmp_path: Path
) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "server.lambda_handler", "SnapStart": {"ApplyOn": "PublishedVersions"}},
    )
    _, provisioned = build(outdir=tmp_path, context={"stage": "test", "apiProvisionedConcurrency": "2"})
    api = [f["Properties"] for f in resources(Template.from_stack(provisioned), "AWS::Lambda::Function").values()
           if f["Properties"].get("Handler") == "server.lambda_handler"]  # fmt: skip
    assert len(api) == 1 and "SnapStart" not in api[0]
