"""Assembles the ASGI application: GraphQL endpoint, GraphiQL, health checks; `uvicorn server:app` serves it."""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from datetime import timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

import graphiql
import logs
from access.authenticate import Unauthenticated
from bus.base import EventBus
from bus.hub import Hub
from catalog import Catalog, default_catalog
from config import Config
from http_api.admission import Admission, build_admission
from http_api.endpoint import answer
from http_api.errors import error_body, internal_error, json_answer, router_refusal
from http_api.executable_schema import build_schema
from http_api.metrics_page import MetricsPage
from http_api.observation import build_observer
from http_api.request_ids import RequestIds
from http_api.security_headers import SecurityHeaders
from http_api.websocket_limits import BoundedTransportWS, ConnectionLimit, TextFrames
from observability.observer import Observer
from resolvers.context import RequestContext
from resolvers.error_report import format_error
from resolvers.events import notification_from_payload
from sources import Sources
from store.archive import DirectoryArchive, QuoteArchive
from store.base import Store
from store.embedded import EmbeddedStore

if TYPE_CHECKING:
    from mangum import Mangum

log = logging.getLogger("aftersales")
GC_YOUNG_THRESHOLD = 50_000


class GraphQLEndpoint(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with our context, our GraphiQL page, orjson and coded errors; HTTP requests are read
    and answered by `http_api.endpoint`, WebSocket connections by strawberry."""

    graphql_transport_ws_handler_class = BoundedTransportWS

    def __init__(self, config: Config, admission: Admission, catalog: Catalog, observer: Observer) -> None:
        super().__init__(
            build_schema(config.limits, config.production, catalog, config.fast_path),
            graphql_ide=None if config.production else "graphiql",
            # graphql-transport-ws only: the legacy graphql-ws protocol is unmaintained and no client needs it
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=config.events.ws_init_timeout_seconds),
            allowed_origins=config.events.allowed_origins,
            max_subscriptions_per_connection=config.events.ws_max_subscriptions,
        )
        # strawberry's base view takes any callable here; its ASGI view narrowed the declared type to a class
        adapter = partial(TextFrames, max_message_bytes=config.events.ws_max_message_bytes)
        self.websocket_adapter_class = adapter  # type: ignore[assignment]
        self.config = config
        self.admission = admission
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        timeout = self.config.access.request_timeout_seconds
        response = await answer(self, self.admission, Request(scope, receive), timeout, self.observer)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        request_id: str = request.state.request_id  # given by RequestIds
        state = request.app.state
        return RequestContext(
            catalog=state.catalog,
            sources=state.sources,
            request_id=request_id,
            archive=state.archive,
            hub=state.hub,
            # over HTTP admitted before the context is made; a socket's principal comes with its connection_init
            principal=None if isinstance(request, WebSocket) else request.state.principal,
            max_keys=self.config.limits.max_keys,
            batching=self.config.batching,
            websocket=request if isinstance(request, WebSocket) else None,
            max_filter_values=self.config.events.ws_max_filter_values,
            observer=self.observer,
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType:
        """The credentials in connection_init, checked before the socket is acknowledged (4403 when refused)."""
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        try:
            if authorization is not None and not isinstance(authorization, str):
                raise Unauthenticated("connection_init's Authorization must be a string")
            principal = await self.admission.authenticator.principal(authorization)
        except Unauthenticated as error:
            log.warning("WebSocket refused: %s", error, extra={"request_id": context.request_id})
            raise ConnectionRejectionError from None
        context.principal = principal
        # the socket's task and the operations it starts log as this principal for the rest of the connection
        logs.bind(principal=principal.id, role=principal.role)
        return UNSET  # type: ignore[no-any-return] # an acknowledgement without payload

    async def render_graphql_ide(self, request: Request) -> Response:
        return FileResponse(graphiql.PAGE, media_type="text/html")

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = process_result(ExecutionResult(data=result.data, errors=None, extensions=result.extensions))
        if result.errors:
            request_id: str = request.state.request_id
            response["errors"] = [format_error(e, request_id) for e in result.errors]
        return response


class BodyLimit:
    """Refuses a request body over the limit before the GraphQL layer reads it (QUERY_TOO_LARGE, HTTP 413)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        query_length = len(scope.get("query_string") or b"")
        if (length is not None and length.isdigit() and int(length) > self.max_bytes) or query_length > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Mapping[str, Any]:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request is larger than {self.max_bytes} bytes."
        body = error_body("QUERY_TOO_LARGE", message, limit=self.max_bytes)
        await json_answer(body, 413)(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised inside the application's receive when a streamed body passes the limit."""


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """200 when every part serves; 503 naming in `notReady` what does not (the event bus while it is down)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        return JSONResponse({"status": "starting", "notReady": ["store", "bus"]}, status_code=503)
    hub: Hub = request.app.state.hub
    down = hub.down_since is not None
    bus: dict[str, Any] = {"backend": request.app.state.bus_backend, "status": "down" if down else "up",
                           "malformedEntries": hub.malformed}  # fmt: skip
    if hub.down_since is not None:
        bus["downSeconds"] = round(time.time() - hub.down_since, 1)
    state: dict[str, Any] = {"status": "not ready" if down else "ready", "subscribers": hub.subscribers, "bus": bus}
    if down:
        state["notReady"] = ["bus"]
    if isinstance(store, EmbeddedStore):
        state["vehicles"] = len(store.vins())
    return JSONResponse(state, status_code=503 if down else 200)


async def open_backend(config: Config, resources: AsyncExitStack) -> tuple[Store, QuoteArchive]:
    """The configured store and quote archive; AWS clients live as long as `resources`."""
    if config.backend == "dynamodb":
        # the AWS SDK loads only when it is used: the embedded backend starts without it
        from store.aws import aws_client
        from store.dynamodb import DynamoStore
        from store.s3_archive import S3Archive

        dynamodb = await resources.enter_async_context(aws_client("dynamodb", config.aws))
        s3 = await resources.enter_async_context(aws_client("s3", config.aws))
        log.info("serving DynamoDB tables %s*, archiving to s3://%s", config.aws.table_prefix, config.aws.bucket)
        return DynamoStore(dynamodb, config.aws), S3Archive(s3, config.aws)
    directory = config.data_dir
    if directory is None:
        from demo import ensure_demo_data

        directory = ensure_demo_data(config.cache_dir, config.demo_seed, config.demo_vehicles)
    store = EmbeddedStore.load(directory)
    log.info("serving %s vehicles from %s", len(store.vins()), directory)
    return store, DirectoryArchive(config.quote_archive_dir)


async def open_bus(config: Config, resources: AsyncExitStack) -> EventBus:
    """The configured event bus; a Redis connection lives as long as `resources`."""
    events = config.events
    if events.bus == "redis":
        from bus.redis_streams import RedisStreamBus, connect_redis

        client = await connect_redis(events.redis_url, events.redis_timeout_seconds)
        bus = RedisStreamBus(client, events.stream, events.retention_events, events.retention_seconds)
        resources.push_async_callback(bus.close)
        log.info("event bus: Redis stream %s at %s", events.stream, events.redis_url)
        return bus
    from bus.memory import MemoryBus

    return MemoryBus(events.retention_events or 100_000, events.retention_seconds)


@contextmanager
def settled_memory() -> Iterator[None]:
    """Loading the data set allocates hundreds of thousands of long-lived objects and no cyclic garbage: the
    collector stays off while it runs (it would walk them over and over, doubling the load time), then they
    are frozen out of its reach, and it runs less often, since a request allocates many short-lived objects
    that reference counting frees anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)
        if was_enabled:
            gc.enable()


async def start_access(config: Config, admission: Admission, resources: AsyncExitStack) -> None:
    """Reads the token issuer's key set, and shares rate limits through Redis when the event bus is there."""
    tokens = admission.authenticator.tokens
    if tokens is not None:
        await tokens.start()
    if admission.authenticator.anonymous is not None:
        log.warning("no API keys and no token issuer configured: requests without credentials act as the local admin")
    if config.events.bus == "redis":
        from access.redis_rate_limit import RedisRateLimiter
        from bus.redis_streams import connect_redis

        client = await connect_redis(config.events.redis_url, config.events.redis_timeout_seconds)
        resources.push_async_callback(client.aclose)
        admission.rate_limiter = RedisRateLimiter(client)


def middleware(config: Config) -> list[Middleware]:
    """Outermost first: every answer, refusals included, has its request id and security headers."""
    stack = [Middleware(RequestIds), Middleware(SecurityHeaders)]
    if config.access.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.access.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept"],
                expose_headers=["X-Request-Id", "Retry-After"],
                max_age=600,
            )
        )
    return stack


async def start_observing(config: Config, observer: Observer, hub: Hub, resources: AsyncExitStack) -> None:
    """The subscriptions gauge reads the hub; the metrics port and the tracing live as long as `resources`."""
    if observer.figures is not None:
        observer.figures.subscriptions.read = lambda: hub.subscribers
        port = config.observability.metrics_port
        if port is not None:
            from http_api.metrics_port import MetricsPort  # uvicorn's server, which a Lambda process never loads

            metrics_port = await MetricsPort.start(observer.figures, config.observability.metrics_host, port)
            resources.push_async_callback(metrics_port.stop)
            log.info("metrics on http://%s:%s/metrics", config.observability.metrics_host, port)
    if observer.tracing is not None:
        resources.callback(observer.tracing.shutdown)


def create_app(
    config: Config | None = None,
    sources_for: Callable[[Store, Catalog], Sources] = Sources.over,
    observer: Observer | None = None,
) -> Starlette:
    """The application; data is loaded in the lifespan, never at import. `sources_for` builds the source systems
    over the loaded store (tests wrap them to count calls); `observer` measures it (by default as `config` says)."""
    config = config or Config.from_env()
    catalog = default_catalog()
    admission = build_admission(config.access, config.production)
    observer = observer or build_observer(config.observability)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as resources:
            with settled_memory():
                await start_access(config, admission, resources)
                store, archive = await open_backend(config, resources)
                hub = Hub(await open_bus(config, resources), config.events.subscriber_queue, notification_from_payload)
                await hub.start()
                resources.push_async_callback(hub.stop)
            await start_observing(config, observer, hub, resources)
            app.state.catalog = catalog
            app.state.sources = sources_for(store, catalog)
            app.state.store = store
            app.state.archive = archive
            app.state.hub = hub
            app.state.bus_backend = config.events.bus
            yield

    endpoint = BodyLimit(GraphQLEndpoint(config, admission, catalog, observer), config.limits.max_body_bytes)
    routes = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        WebSocketRoute(
            "/graphql",
            ConnectionLimit(endpoint, config.events.ws_max_connections, config.events.ws_max_connections_per_client),
        ),
    ]
    if observer.figures is not None:
        routes.append(Route("/metrics", MetricsPage(observer.figures, admission if config.production else None)))
    if not config.production:
        routes.append(Mount("/static/graphiql", StaticFiles(directory=graphiql.ASSETS), name="graphiql"))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware(config),
        exception_handlers={HTTPException: router_refusal, Exception: internal_error},
    )


@cache
def _lambda_adapter() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The application behind Mangum, its lifespan entered once for the life of the process: Mangum would run it
    (and load the data set) for every event."""
    import asyncio
    import logging.config

    from mangum import Mangum

    config = Config.from_env()
    logging.config.dictConfig(logs.configure(config.log_level))
    observer = build_observer(config.observability, per_invocation=True)
    application = create_app(config, observer=observer)
    loop = asyncio.new_event_loop()  # the loop Mangum runs every event in: the hub's tasks live on in it
    asyncio.set_event_loop(loop)
    loop.run_until_complete(AsyncExitStack().enter_async_context(application.router.lifespan_context(application)))
    return partial(answer_invocation, Mangum(application, lifespan="off"), observer, config.observability.namespace)


def answer_invocation(mangum: Mangum, observer: Observer, namespace: str, event: dict[str, Any],
                      context: Any) -> dict[str, Any]:  # fmt: skip
    """One event answered, then its figures written as one embedded-metrics line on stdout (CloudWatch Logs
    turns it into metrics) and its spans sent: the process may be frozen as soon as it returns."""
    from observability.emf import emf_line  # loaded with the first invocation, not by servers

    try:
        return mangum(event, context)
    finally:
        if observer.figures is not None:
            line = emf_line(observer.figures.drain(), namespace)
            if line is not None:
                sys.stdout.buffer.write(line + b"\n")
                sys.stdout.flush()
        if observer.tracing is not None:
            observer.tracing.flush()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda behind an API Gateway HTTP API (payload 2.0): the same application, settings, limits,
    authentication and errors as `aftersales serve`, configured from the environment."""
    return _lambda_adapter()(event, context)


def __getattr__(name: str) -> Any:
    """`uvicorn server:app` builds the application from the environment on first access, not at import."""
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
