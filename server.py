"""Assembles the ASGI application: GraphQL endpoint, GraphiQL, health checks; `uvicorn server:app` serves it."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

import graphiql
from bus.base import EventBus
from bus.hub import Hub
from catalog import Catalog, default_catalog
from config import Config
from resolvers.context import RequestContext
from resolvers.events import notification_from_payload
from schema.build import build_schema
from sources import Sources
from store.archive import DirectoryArchive, QuoteArchive
from store.aws_settings import AwsUnavailable
from store.base import Store, StoreUnavailable
from store.embedded import EmbeddedStore

log = logging.getLogger("aftersales")
GC_YOUNG_THRESHOLD = 50_000
HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "QUERY_TOO_LARGE"}


def error_body(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """Every error gets a code; an unexpected exception becomes INTERNAL, its text and trace only in the log."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(error.extensions or {})
    original = error.original_error
    if "code" in extensions:
        pass
    elif isinstance(error, GraphQLSyntaxError):
        extensions["code"] = "GRAPHQL_PARSE_FAILED"
    elif original is None or isinstance(original, GraphQLError):
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    elif isinstance(original, StoreUnavailable):
        log.warning(
            "source %s unavailable at %s: %s", original.source, error.path, original.detail,
            extra={"request_id": request_id},
        )  # fmt: skip
        formatted["message"] = f"The {original.source} source system is not available right now; try again later."
        extensions = {"code": "SOURCE_UNAVAILABLE", "source": original.source, "requestId": request_id}
    elif isinstance(original, AwsUnavailable):
        log.warning("archive unavailable at %s: %s", error.path, original.detail, extra={"request_id": request_id})
        formatted["message"] = "The quote archive is not available right now; try again later."
        extensions = {"code": "SOURCE_UNAVAILABLE", "source": "ARCHIVE", "requestId": request_id}
    else:
        log.error("unexpected error at %s", error.path, exc_info=original, extra={"request_id": request_id})
        formatted["message"] = f"An internal error occurred; quote request id {request_id} when you report it."
        extensions = {"code": "INTERNAL", "requestId": request_id}
    formatted["extensions"] = extensions
    return formatted


class TextFrames(ASGIWebSocketAdapter):
    """Messages as text frames (orjson gives bytes, which would go out as binary frames)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLEndpoint(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with our context, our GraphiQL page, orjson and coded errors."""

    websocket_adapter_class = TextFrames

    def __init__(self, config: Config) -> None:
        super().__init__(
            build_schema(config.limits, config.production),
            graphql_ide=None if config.production else "graphiql",
            # graphql-transport-ws only: the legacy graphql-ws protocol is unmaintained and no client needs it
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=config.events.ws_init_timeout_seconds),
            allowed_origins=config.events.allowed_origins,
        )
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:
            code = HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
            response = JSONResponse(error_body(code, exc.reason), status_code=exc.status_code)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> RequestContext:
        request_id = uuid.uuid4().hex
        request.state.request_id = request_id
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = request_id
        state = request.app.state
        return RequestContext(
            catalog=state.catalog,
            sources=state.sources,
            request_id=request_id,
            archive=state.archive,
            store=state.store,
            hub=state.hub,
            max_keys=self.config.limits.max_keys,
            batching=self.config.batching,
            websocket=request if isinstance(request, WebSocket) else None,
        )

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
        await JSONResponse(body, status_code=413)(scope, receive, send)


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
        from preparation.demo import ensure_demo_data  # the generator and the import load only when needed

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


def settle_memory() -> None:
    """Long-lived data is never garbage: keep the collector from walking it, and run it less often, since a
    request allocates many short-lived objects that reference counting frees anyway."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


def create_app(
    config: Config | None = None, sources_for: Callable[[Store, Catalog], Sources] = Sources.over
) -> Starlette:
    """The application; data is loaded in the lifespan, never at import. `sources_for` builds the source systems
    over the loaded store (tests wrap them to count calls)."""
    config = config or Config.from_env()
    catalog = default_catalog()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as resources:
            store, archive = await open_backend(config, resources)
            hub = Hub(await open_bus(config, resources), config.events.subscriber_queue, notification_from_payload)
            await hub.start()
            resources.push_async_callback(hub.stop)
            app.state.catalog = catalog
            app.state.sources = sources_for(store, catalog)
            app.state.store = store
            app.state.archive = archive
            app.state.hub = hub
            app.state.bus_backend = config.events.bus
            settle_memory()
            yield

    endpoint = BodyLimit(GraphQLEndpoint(config), config.limits.max_body_bytes)
    routes = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        WebSocketRoute("/graphql", endpoint),
    ]
    if not config.production:
        routes.append(Mount("/static/graphiql", StaticFiles(directory=graphiql.ASSETS), name="graphiql"))
    return Starlette(routes=routes, lifespan=lifespan)


def __getattr__(name: str) -> Any:
    """`uvicorn server:app` builds the application from the environment on first access, not at import."""
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
