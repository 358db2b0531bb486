"""One deployment of the whole system: storage, network and bus, the API, the subscriptions, the import, alarms."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.api import api
from infra.grants import acknowledge_lambda_basics, grant_import, grant_servers
from infra.import_workflow import import_workflow
from infra.monitoring import Watched, alarm_topic, alarms, dashboard
from infra.network import event_bus, vpc
from infra.runtime import LAMBDA_CACHE, import_environment, server_environment
from infra.settings import Settings
from infra.storage import acknowledge_bucket_notifications, buckets
from infra.subscriptions import subscription_service
from infra.tables import application_tables


class AftersalesStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, settings: Settings, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        tables = application_tables(self, settings.prefix)
        storage = buckets(self)
        network = vpc(self, settings)
        bus = event_bus(self, network, settings)
        server_env = server_environment(settings, storage.archive.bucket_name, bus.url)

        http = api(self, settings, server_env | LAMBDA_CACHE, network, [bus.clients])
        service = subscription_service(self, settings, server_env, network, [bus.clients], storage.logs)
        workflow = import_workflow(
            self, settings, import_environment(settings, storage.archive.bucket_name, storage.deliveries.bucket_name)
            | LAMBDA_CACHE, storage.deliveries,
        )  # fmt: skip
        assert http.function.role is not None
        task = service.task_definition
        grant_servers(tables, settings.prefix, storage.archive, http.function.role, http.function)
        grant_servers(tables, settings.prefix, storage.archive, task.task_role, task)
        acknowledge_lambda_basics(http.function, in_vpc=True)
        for function in workflow.functions.values():
            assert function.role is not None
            grant_import(tables, settings.prefix, storage.deliveries, storage.archive, function.role, function)
            acknowledge_lambda_basics(function)
        acknowledge_bucket_notifications(self)

        watched = Watched(http.http_api, http.function, service, workflow.state_machine, workflow.dead_letters)
        found = alarms(self, watched, settings, alarm_topic(self, settings))
        dashboard(self, watched, found, settings)
        CfnOutput(self, "ApiUrl", value=http.http_api.api_endpoint, description="GraphQL over HTTP: <url>/graphql")
        CfnOutput(self, "SubscriptionsHost", value=service.load_balancer.load_balancer_dns_name,
                  description="graphql-transport-ws: ws(s)://<host>/graphql")  # fmt: skip
        CfnOutput(self, "DeliveryBucket", value=storage.deliveries.bucket_name,
                  description="deliveries/<name>/…, then deliveries/<name>/_COMPLETE starts the import")  # fmt: skip
