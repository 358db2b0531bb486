"""Bounds on the subscription WebSocket: message size and shape, subscriptions per socket, connections."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived, WebSocketDisconnected
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message, SubscribeMessage

from http_api.admission import Admission
from http_api.errors import RequestError

log = logging.getLogger(__name__)
CLOSE_MESSAGE_TOO_BIG = 1009
MAX_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, two of them the code
MAX_ID_CHARS = 128
RETRY_AFTER_SECONDS = 10
CLIENT_MESSAGE_TYPES = frozenset({"connection_init", "ping", "pong", "subscribe", "complete"})
OBJECT_OR_NULL = (dict, type(None))
SUBSCRIBE_FIELDS = {"operationName": (str, type(None)), "variables": OBJECT_OR_NULL, "extensions": OBJECT_OR_NULL}


def message_problem(message: object) -> str | None:
    """Why a client message is not graphql-transport-ws (the close reason), or None when it is well formed."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if kind not in CLIENT_MESSAGE_TYPES:
        return "unknown or missing message type"
    if kind in ("subscribe", "complete"):
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_ID_CHARS:
            return f"id must be a string of 1 to {MAX_ID_CHARS} characters"
    payload = message.get("payload")
    if kind != "subscribe":
        return None if isinstance(payload, OBJECT_OR_NULL) else "payload must be an object"
    if not isinstance(payload, dict) or not (isinstance(payload.get("query"), str) or persisted(payload)):
        return "subscribe payload must be an object with a string query or a persisted query"
    for name, allowed in SUBSCRIBE_FIELDS.items():
        if not isinstance(payload.get(name), allowed):
            return f"subscribe payload {name} has the wrong type"
    return None


def persisted(payload: dict[str, Any]) -> bool:
    extensions = payload.get("extensions")
    return payload.get("query") is None and isinstance(extensions, dict) and "persistedQuery" in extensions


def close_reason(reason: str) -> str:
    """`reason` cut to what a close frame carries, on a character boundary."""
    return reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")


class TextFrames(ASGIWebSocketAdapter):
    """Messages as text frames (orjson gives bytes, which would go out as binary frames), each received message
    bounded in size before it is parsed: `aftersales serve` has uvicorn refuse larger frames already, this holds
    under any other ASGI server too."""

    def __init__(self, view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any], request: WebSocket,
                 response: WebSocket, max_message_bytes: int) -> None:  # fmt: skip
        super().__init__(view, request, response)
        self.max_message_bytes = max_message_bytes

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        while self.ws.application_state != WebSocketState.DISCONNECTED:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                raise NonTextMessageReceived
            # a character is at least one byte: encode only what may be within the limit
            if len(text) > self.max_message_bytes or len(text.encode()) > self.max_message_bytes:
                await self.close(CLOSE_MESSAGE_TOO_BIG, f"message larger than {self.max_message_bytes} bytes")
                return
            try:
                yield orjson.loads(text)  # orjson refuses nesting deeper than 1024 instead of recursing
            except orjson.JSONDecodeError as exc:
                if not ignore_parsing_errors:
                    raise NonJsonMessageReceived from exc

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        # strawberry quotes client input in some reasons (an operation name, a syntax error): keep them sendable
        await self.ws.close(code=code, reason=close_reason(reason))


class BoundedTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws that closes a malformed message with 4400 and a reason (instead of failing on it) and
    refuses a subscription beyond the per-socket limit with a coded error for that id."""

    async def handle_message(self, message: Message) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_invalid_message(self, error_message: str) -> None:
        client = self.websocket.ws.client if isinstance(self.websocket, TextFrames) else None
        log.warning("closing a WebSocket from %s with 4400: %s", client.host if client else "?", error_message)
        await super().handle_invalid_message(error_message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            error = GraphQLError(
                f"At most {limit} subscriptions may be active on one connection; complete one first.",
                extensions={"code": "TOO_MANY_SUBSCRIPTIONS", "limit": limit},
            )
            await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})
            return
        admitted = await self._admitted(message) if self.connection_acknowledged else message
        if admitted is not None:
            await super().handle_subscribe(admitted)

    async def _admitted(self, message: SubscribeMessage) -> SubscribeMessage | None:
        """Each operation counts against its principal's rate, and runs only a document the server would run over
        HTTP (trusted-only mode included); None when refused, with an error sent for its id."""
        admission: Admission = self.view.admission  # type: ignore[attr-defined] # the application's endpoint
        payload = message["payload"]
        try:
            await admission.take_turn(self.context.principal)
            query = admission.document(payload.get("query"), payload.get("extensions"))
        except RequestError as error:
            refusal = GraphQLError(error.message, extensions={"code": error.code})
            await self.send_message({"id": message["id"], "type": "error", "payload": [refusal.formatted]})
            return None
        return {**message, "payload": {**payload, "query": query or ""}}

    async def _send_result_stream(self, operation: Operation[Any, Any], result_source: StreamResult) -> None:
        # over HTTP strawberry turns an error raised by a schema extension (the document cache's parse errors and
        # token limit) into a result; on a stream it would escape as a task failure and end the operation silently
        try:
            await super()._send_result_stream(operation, result_source)
        except GraphQLError as error:
            await operation.send_initial_errors([error])


class ConnectionLimit:
    """Refuses a WebSocket handshake beyond the connections open in total (503) or from one client address (429).
    The address is the ASGI client: behind a proxy, the proxy's unless uvicorn trusts its forwarded-for header."""

    def __init__(self, app: ASGIApp, total: int, per_client: int) -> None:
        self.app = app
        self.total = total
        self.per_client = per_client
        self._open: Counter[str | None] = Counter()
        self._open_total = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address: str | None = client[0] if client else None
        if self._open_total >= self.total:
            message = f"The server has its {self.total} WebSocket connections open; try again later."
            await refuse(scope, receive, send, 503, message, code="SERVER_BUSY", limit=self.total)
            return
        if self._open[address] >= self.per_client:
            message = f"At most {self.per_client} WebSocket connections may be open from one address."
            await refuse(scope, receive, send, 429, message, code="TOO_MANY_CONNECTIONS", limit=self.per_client)
            return
        self._open[address] += 1  # no await since the checks: no other handshake comes between
        self._open_total += 1
        try:
            await self.app(scope, receive, send)
        finally:  # however the socket ends: closed by either side, dropped, failed or cancelled
            self._open_total -= 1
            self._open[address] -= 1
            if not self._open[address]:
                del self._open[address]


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str, **extensions: Any) -> None:
    """An HTTP answer to the handshake with a coded body; a server without the denial-response extension
    answers 403 to a close before accept."""
    websocket = WebSocket(scope, receive, send)
    if "websocket.http.response" not in scope.get("extensions", {}):
        await websocket.close(1013, close_reason(message))
        return
    body = {"data": None, "errors": [{"message": message, "extensions": extensions}]}
    await websocket.send_denial_response(
        JSONResponse(body, status_code=status, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    )
