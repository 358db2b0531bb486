"""Coded JSON answers for requests refused before or outside GraphQL, and the one shape of their body."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("aftersales")
JSON = "application/json"
# the codes of the refusals starlette's router makes itself (an unknown path, a method the route does not serve)
ROUTER_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
ROUTER_MESSAGES = {
    404: "Nothing is served at this path; GraphQL is served at /graphql.",
    405: "This path does not serve this HTTP method.",
}


def error_body(code: str, message: str, **extensions: Any) -> dict[str, Any]:
    """A request error: no `data` entry, since nothing was executed."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def json_answer(
    body: object, status: int, media_type: str = JSON, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers)


class RequestError(Exception):
    """A request the server does not take: its HTTP status, a code and a sentence for the client."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers

    def answer(self, media_type: str = JSON) -> Response:
        return json_answer(error_body(self.code, self.message), self.status, media_type, self.headers)


async def router_refusal(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405, as coded JSON instead of plain text."""
    assert isinstance(exc, HTTPException)
    code = ROUTER_CODES.get(exc.status_code, "BAD_REQUEST")
    message = ROUTER_MESSAGES.get(exc.status_code, "The request cannot be served.")
    return json_answer(error_body(code, message), exc.status_code, headers=exc.headers)


async def internal_error(request: Request, exc: Exception) -> Response:
    """The last resort for an exception no layer handled: a coded 500 that names the request id, never the exception
    (the server logs it with its trace)."""
    request_id: str = getattr(request.state, "request_id", "")
    log.error("unexpected failure outside GraphQL", exc_info=exc, extra={"request_id": request_id})
    message = f"An internal error occurred; quote request id {request_id} when you report it."
    body = error_body("INTERNAL", message, requestId=request_id)
    return json_answer(body, 500, headers={"X-Request-Id": request_id})
