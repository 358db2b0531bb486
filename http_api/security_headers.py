"""Headers on every HTTP answer that keep browsers from misreading, framing or scripting it; the GraphiQL page gets
a content security policy that admits only its own assets and its one inline script, by hash."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

import graphiql

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
API_POLICY = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


@cache
def page_policy() -> bytes:
    """The GraphiQL page's policy: its scripts from this server, the inline one by its SHA-256; styles inline
    (GraphiQL sets them on elements); requests only to this origin (the API and its WebSocket)."""
    scripts = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(graphiql.PAGE.read_text())
    )
    return (
        f"default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ).encode()


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                policy = page_policy() if html else API_POLICY
                message = {**message, "headers": [*headers, *COMMON, (b"content-security-policy", policy)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
