"""Request ids name one request each, also across processes forked from one that had not served yet."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from http_api.request_ids import RequestIds


def ids_served(app: Starlette, count: int) -> list[str]:
    with TestClient(app) as client:
        return [client.get("/").headers["x-request-id"] for _ in range(count)]


def test_processes_forked_before_the_first_request_never_repeat_each_others_ids() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/", hello)])
    app.add_middleware(RequestIds)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child reports its ids to the parent, which asserts
        try:
            os.write(writing, " ".join(ids_served(app, 5)).encode())
        finally:
            os._exit(0)
    os.close(writing)
    ours = ids_served(app, 5)
    with os.fdopen(reading) as pipe:
        theirs = pipe.read().split()
    os.waitpid(child, 0)
    assert len(theirs) == 5 and len(set(ours) | set(theirs)) == 10
