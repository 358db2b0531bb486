"""Every request gets an id, kept in `request.state.request_id` for the logs and named in the X-Request-Id header."""

from __future__ import annotations

import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"


class RequestIds:
    """Outside every route, so that refusals made before the GraphQL layer (413, 404, 405) name their id too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # ids unique across processes without the system call per request that uuid4 makes; they name requests in
        # the logs and grant nothing, so they need not be secret. Seeded from the system's randomness when Starlette
        # builds its middleware, at the first request: after a fork, and in each Lambda environment restored from
        # one SnapStart snapshot, so that none repeats another's ids
        self.ids = random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = f"{self.ids.getrandbits(128):032x}"
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        header = (HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)
