"""What one deployment is built with, read from the CDK context (`cdk synth -c stage=test`) with defaults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

LAMBDA_PYTHON = "3.14"
"""The Lambda runtime's Python; the dependency bundle (`infra.bundle`) is built for the same version."""


@dataclass(frozen=True)
class Settings:
    """Each field is also a context key of the same name in camelCase (`apiMemoryMb`, `alarm5xxPercent` …)."""

    stage: str = "prod"
    region: str = "eu-central-1"
    table_prefix: str = ""
    """Empty: `aftersales-{stage}-`, so that stages never share a table."""
    api_memory_mb: int = 1024
    api_timeout_seconds: int = 15
    """Above the application's own request deadline (10 s), so that the application answers 504 first."""
    api_reserved_concurrency: int = 0
    """0: the API draws on the account's unreserved pool."""
    api_provisioned_concurrency: int = 0
    api_throttle_rate: int = 500
    api_throttle_burst: int = 1000
    import_memory_mb: int = 2048
    import_max_concurrency: int = 40
    """Shards imported at once: each writes to DynamoDB on its own, so this bounds the write rate."""
    service_cpu: int = 512
    service_memory_mb: int = 1024
    service_min_tasks: int = 2
    service_max_tasks: int = 6
    service_idle_timeout_seconds: int = 3600
    """How long the load balancer keeps a quiet WebSocket open; clients ping well within it."""
    certificate_arn: str = ""
    """An ACM certificate for the subscription endpoint (HTTPS and wss://); empty: plain HTTP on port 80."""
    redis_node_type: str = "cache.t4g.small"
    nat_gateways: int = 1
    api_keys_path: str = ""
    """AFTERSALES_API_KEYS as the runtime sees it (a file shipped in the bundle or the image); empty: none."""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwks: str = ""
    alarm_email: str = ""
    alarm_5xx_percent: float = 1.0
    alarm_p99_latency_ms: int = 2000
    alarm_throttles: int = 1
    alarm_dlq_messages: int = 1

    @property
    def prefix(self) -> str:
        return self.table_prefix or f"aftersales-{self.stage}-"

    @classmethod
    def from_context(cls, context: Callable[[str], Any]) -> Settings:
        """`context` is `node.try_get_context`; a value given on the command line arrives as a string."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = context(_camel(f.name))
            if value is not None:
                kind = type(getattr(cls, f.name))
                values[f.name] = kind(value)
        return cls(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)
