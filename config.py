"""Configuration, read from the environment in one place (documented in the README)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from store.aws_settings import AwsSettings

N = TypeVar("N", int, float)
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """An environment variable with a value the server cannot use."""


def _cache_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aftersales-graph"


def _parsed(env: Mapping[str, str], name: str, convert: Callable[[str], N], kind: str) -> N | None:
    """The variable's value read by `convert`; None when it is unset or empty."""
    text = env.get(name)
    if text is None or text == "":
        return None
    try:
        return convert(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not {kind}") from None


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    value = _parsed(env, name, int, "a whole number")
    if value is None:
        return default
    if value < minimum:
        raise ConfigError(f"{name}={value} is below its minimum {minimum}")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    value = _parsed(env, name, float, "a number")
    if value is None:
        return default
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name}={value} must be a positive number")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name)
    if text is None:
        return default
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    raise ConfigError(f"{name}={text!r} is neither true nor false")


BACKENDS = ("memory", "dynamodb")
EVENT_BUSES = ("memory", "redis")
TRACING = ("off", "otlp")


@dataclass(frozen=True)
class QueryLimits:
    """Configurable bounds on one GraphQL request."""

    max_depth: int = 12
    max_aliases: int = 30
    max_field_repeats: int = 20
    max_tokens: int = 2000
    max_keys: int = 100
    max_body_bytes: int = 256 * 1024
    max_directives: int = 50
    """Directives written in one document."""
    max_field_directives: int = 3
    """Directives on one field, fragment or operation; @include and @skip together are two."""
    max_errors: int = 5
    """Validation errors reported for one document, after which validation stops (one more says so)."""
    max_cost: int = 50_000
    """The static cost budget of one operation (`http_api.cost`): admits the README's 100-vehicle shop query with
    a quote per vehicle (20,800), refuses 29 quotes per vehicle (197,300)."""


@dataclass(frozen=True)
class EventSettings:
    """The event bus behind subscriptions and the limits of one subscriber."""

    bus: str = "memory"
    """memory: one server process; redis: Redis Streams shared by every server instance."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_seconds: float = 2.0
    """The longest wait for a connection to Redis or for one of its replies."""
    stream: str = "aftersales:service-events"
    retention_events: int | None = 100_000
    retention_seconds: int | None = None
    subscriber_queue: int = 1000
    """Notifications a subscriber may fall behind before it is disconnected (close code 4429)."""
    ws_init_timeout_seconds: int = 10
    ws_max_message_bytes: int = 64 * 1024
    """A larger message closes the socket with 1009 before it is parsed."""
    ws_max_subscriptions: int = 10
    """Operations active on one socket; one more is refused with TOO_MANY_SUBSCRIPTIONS."""
    ws_max_filter_values: int = 100
    """Entries in each list of a subscription filter; more is TOO_MANY_FILTER_VALUES."""
    ws_max_connections: int = 10_000
    """Sockets open on this server; one more is refused with HTTP 503."""
    ws_max_connections_per_client: int = 100
    """Sockets open from one client address; one more is refused with HTTP 429."""
    allowed_origins: tuple[str, ...] = ()
    """Origins besides the server's own whose pages may open subscriptions; "*" allows any."""


@dataclass(frozen=True)
class AccessSettings:
    """Who may ask what, and how much: credentials, budgets, trusted documents, overload protection."""

    api_keys: Path | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks: str | None = None
    """An https URL or a file path."""
    rate_limit: float = 50.0
    """Requests per second per principal that names no rate of its own; bursts of twice that."""
    trusted_documents: Path | None = None
    trusted_only: bool = False
    request_timeout_seconds: float = 10.0
    max_concurrent_requests: int = 64
    """GraphQL requests in progress in one process; one more is answered 503 at once."""
    cors_origins: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        """Whether any credential can be checked (otherwise development serves a local administrator)."""
        return self.api_keys is not None or self.jwt_issuer is not None


@dataclass(frozen=True)
class ObservabilitySettings:
    """What the server measures about itself and where it shows it."""

    metrics: bool = True
    """Off only to measure what the metrics cost (benchmark baseline)."""
    metrics_port: int | None = None
    """A port of its own for /metrics, open to whoever reaches it; None: /metrics beside the API only."""
    metrics_host: str = "127.0.0.1"
    max_operations: int = 100
    """Distinct operation names labelled in the metrics; any more are counted as `other`."""
    tracing: str = "off"
    """otlp: spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the SDK reads the OTEL_EXPORTER_OTLP_* variables)."""
    namespace: str = "AftersalesGraph"
    """The CloudWatch namespace of the embedded metrics written on Lambda."""


@dataclass(frozen=True)
class Config:
    backend: str = "memory"
    """memory: the embedded prepared data set; dynamodb: the tables named by `aws`."""
    data_dir: Path | None = None
    """A prepared data set for the memory backend; None serves the demo data set."""
    cache_dir: Path = field(default_factory=lambda: _cache_home(os.environ))
    demo_seed: int = 42
    demo_vehicles: int = 2000
    production: bool = False
    limits: QueryLimits = field(default_factory=QueryLimits)
    batching: bool = True
    """Off only to measure the cost of one source call per field (benchmark baseline)."""
    fast_path: bool = True
    """Off: every request runs on graphql-core (to measure the plan, or compare its answers)."""
    log_level: str = "INFO"
    aws: AwsSettings = field(default_factory=AwsSettings)
    archive_dir: Path | None = None
    """Where the memory backend archives quotes; None: `archive` in the cache directory."""
    events: EventSettings = field(default_factory=EventSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)

    @property
    def quote_archive_dir(self) -> Path:
        return self.archive_dir or self.cache_dir / "archive"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        data = env.get("AFTERSALES_DATA")
        limits = QueryLimits(
            max_depth=_int(env, "AFTERSALES_MAX_DEPTH", 12, 1),
            max_aliases=_int(env, "AFTERSALES_MAX_ALIASES", 30),
            max_field_repeats=_int(env, "AFTERSALES_MAX_FIELD_REPEATS", 20, 1),
            max_tokens=_int(env, "AFTERSALES_MAX_TOKENS", 2000, 1),
            max_keys=_int(env, "AFTERSALES_MAX_KEYS", 100, 1),
            max_body_bytes=_int(env, "AFTERSALES_MAX_BODY_BYTES", 256 * 1024, 1),
            max_cost=_int(env, "AFTERSALES_MAX_COST", QueryLimits.max_cost, 1),
            max_directives=_int(env, "AFTERSALES_MAX_DIRECTIVES", QueryLimits.max_directives),
            max_field_directives=_int(env, "AFTERSALES_MAX_FIELD_DIRECTIVES", QueryLimits.max_field_directives),
            max_errors=_int(env, "AFTERSALES_MAX_ERRORS", QueryLimits.max_errors, 1),
        )
        backend = env.get("AFTERSALES_BACKEND", "memory").lower()
        if backend not in BACKENDS:
            raise ConfigError(f"AFTERSALES_BACKEND={backend!r} is not one of {', '.join(BACKENDS)}")
        aws = AwsSettings(
            table_prefix=env.get("AFTERSALES_TABLE_PREFIX", "aftersales-"),
            bucket=env.get("AFTERSALES_BUCKET", "aftersales-archive"),
            call_timeout_seconds=_int(env, "AFTERSALES_AWS_TIMEOUT_MS", 2000, 1) / 1000,
            deadline_seconds=_int(env, "AFTERSALES_AWS_DEADLINE_MS", 5000, 1) / 1000,
            pool_size=_int(env, "AFTERSALES_AWS_POOL_SIZE", 32, 1),
        )
        archive = env.get("AFTERSALES_ARCHIVE_DIR")
        bus = env.get("AFTERSALES_EVENT_BUS", "memory").lower()
        if bus not in EVENT_BUSES:
            raise ConfigError(f"AFTERSALES_EVENT_BUS={bus!r} is not one of {', '.join(EVENT_BUSES)}")
        events = EventSettings(
            bus=bus,
            redis_url=env.get("AFTERSALES_REDIS_URL", EventSettings.redis_url),
            redis_timeout_seconds=_int(env, "AFTERSALES_REDIS_TIMEOUT_MS", 2000, 1) / 1000,
            stream=env.get("AFTERSALES_EVENT_STREAM", EventSettings.stream),
            retention_events=_int(env, "AFTERSALES_EVENT_RETENTION", 100_000, 0) or None,
            retention_seconds=_int(env, "AFTERSALES_EVENT_RETENTION_SECONDS", 0, 0) or None,
            subscriber_queue=_int(env, "AFTERSALES_SUBSCRIBER_QUEUE", 1000, 1),
            ws_init_timeout_seconds=_int(env, "AFTERSALES_WS_INIT_TIMEOUT_SECONDS", 10, 1),
            ws_max_message_bytes=_int(env, "AFTERSALES_WS_MAX_MESSAGE_BYTES", EventSettings.ws_max_message_bytes, 1024),
            ws_max_subscriptions=_int(env, "AFTERSALES_WS_MAX_SUBSCRIPTIONS", EventSettings.ws_max_subscriptions, 1),
            ws_max_filter_values=_int(env, "AFTERSALES_WS_MAX_FILTER_VALUES", EventSettings.ws_max_filter_values, 1),
            ws_max_connections=_int(env, "AFTERSALES_WS_MAX_CONNECTIONS", EventSettings.ws_max_connections, 1),
            ws_max_connections_per_client=_int(
                env, "AFTERSALES_WS_MAX_CONNECTIONS_PER_CLIENT", EventSettings.ws_max_connections_per_client, 1
            ),
            allowed_origins=tuple(
                o.strip() for o in env.get("AFTERSALES_WS_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
        )
        issuer, audience, jwks = (env.get(name) or None for name in (
            "AFTERSALES_JWT_ISSUER", "AFTERSALES_JWT_AUDIENCE", "AFTERSALES_JWKS"
        ))  # fmt: skip
        if issuer is not None and (audience is None or jwks is None):
            raise ConfigError("AFTERSALES_JWT_ISSUER needs AFTERSALES_JWT_AUDIENCE and AFTERSALES_JWKS as well")
        keys, manifest = env.get("AFTERSALES_API_KEYS"), env.get("AFTERSALES_TRUSTED_DOCUMENTS")
        access = AccessSettings(
            api_keys=Path(keys) if keys else None,
            jwt_issuer=issuer,
            jwt_audience=audience,
            jwks=jwks,
            rate_limit=_number(env, "AFTERSALES_RATE_LIMIT", 50.0),
            trusted_documents=Path(manifest) if manifest else None,
            trusted_only=_bool(env, "AFTERSALES_TRUSTED_ONLY", False),
            request_timeout_seconds=_int(env, "AFTERSALES_REQUEST_TIMEOUT_MS", 10_000, 1) / 1000,
            max_concurrent_requests=_int(env, "AFTERSALES_MAX_CONCURRENT_REQUESTS", 64, 1),
            cors_origins=tuple(o.strip() for o in env.get("AFTERSALES_CORS_ORIGINS", "").split(",") if o.strip()),
        )
        if access.trusted_only and access.trusted_documents is None:
            raise ConfigError("AFTERSALES_TRUSTED_ONLY=true needs the manifest in AFTERSALES_TRUSTED_DOCUMENTS")
        tracing = env.get("AFTERSALES_TRACING", "off").lower()
        if tracing not in TRACING:
            raise ConfigError(f"AFTERSALES_TRACING={tracing!r} is not one of {', '.join(TRACING)}")
        observability = ObservabilitySettings(
            metrics=_bool(env, "AFTERSALES_METRICS", True),
            metrics_port=_parsed(env, "AFTERSALES_METRICS_PORT", int, "a whole number"),
            metrics_host=env.get("AFTERSALES_METRICS_HOST") or ObservabilitySettings.metrics_host,
            max_operations=_int(env, "AFTERSALES_METRICS_MAX_OPERATIONS", ObservabilitySettings.max_operations),
            tracing=tracing,
            namespace=env.get("AFTERSALES_METRICS_NAMESPACE") or ObservabilitySettings.namespace,
        )
        return cls(
            observability=observability,
            access=access,
            events=events,
            backend=backend,
            aws=aws,
            archive_dir=Path(archive) if archive else None,
            data_dir=Path(data) if data else None,
            cache_dir=Path(env["AFTERSALES_CACHE_DIR"]) if env.get("AFTERSALES_CACHE_DIR") else _cache_home(env),
            demo_seed=_int(env, "AFTERSALES_DEMO_SEED", 42),
            demo_vehicles=_int(env, "AFTERSALES_DEMO_VEHICLES", 2000),
            production=_bool(env, "AFTERSALES_PRODUCTION", False),
            limits=limits,
            batching=_bool(env, "AFTERSALES_BATCHING", True),
            fast_path=_bool(env, "AFTERSALES_FAST_PATH", True),
            log_level=env.get("AFTERSALES_LOG_LEVEL", "INFO").upper(),
        )

    def with_overrides(self, data_dir: Path | None = None, production: bool | None = None) -> Config:
        """Command-line options win over the environment; `--data` selects the memory backend's data set."""
        return replace(
            self,
            data_dir=data_dir if data_dir is not None else self.data_dir,
            production=production if production is not None else self.production,
        )
