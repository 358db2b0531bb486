"""Requests a client gets wrong, each with the status and code the server must answer: shared by the tests over ASGI
and over a real server process."""

from __future__ import annotations

from dataclasses import dataclass, field

JSON = {"content-type": "application/json"}
TYPENAME = b'{"query": "{ __typename }"}'


@dataclass(frozen=True)
class BadRequest:
    name: str
    body: bytes
    status: int
    code: str
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    method: str = "POST"
    path: str = "/graphql"


# fmt: off
BAD_REQUESTS = [
    BadRequest("a JSON string", b'"abc"', 400, "BAD_REQUEST"),
    BadRequest("a JSON number", b"123", 400, "BAD_REQUEST"),
    BadRequest("JSON null", b"null", 400, "BAD_REQUEST"),
    BadRequest("a JSON list", b'[{"query": "{ __typename }"}]', 400, "BAD_REQUEST"),
    BadRequest("no body", b"", 400, "BAD_REQUEST"),
    BadRequest("not JSON", b"{not json", 400, "INVALID_JSON"),
    BadRequest("UTF-16 with its byte order mark", "\ufeff".encode("utf-16-le") + TYPENAME.decode().encode("utf-16-le"),
               400, "INVALID_JSON"),
    BadRequest("UTF-8 with a byte order mark", b"\xef\xbb\xbf" + TYPENAME, 400, "INVALID_JSON"),
    BadRequest("bytes that are no UTF-8", b'{"query": "{ __typename \xc3\x28 }"}', 400, "INVALID_JSON"),
    BadRequest("a lone surrogate", b'{"query": "{ __typename } # \\ud800"}', 400, "INVALID_JSON"),
    BadRequest("100,000 nested lists", b"[" * 100_000, 400, "INVALID_JSON"),
    BadRequest("20,000 nested objects in the variables",
               b'{"query": "{ __typename }", "variables": ' + b'{"a": ' * 20_000, 400, "INVALID_JSON"),
    BadRequest("a 5,000-digit integer in the variables",
               b'{"query": "{ __typename }", "variables": {"n": %s}}' % (b"9" * 5000), 400, "INVALID_JSON"),
    BadRequest("no query", b'{"qeury": "{ __typename }"}', 400, "BAD_REQUEST"),
    BadRequest("a query that is no string", b'{"query": {"obj": "ect"}}', 400, "BAD_REQUEST"),
    BadRequest("variables that are no object", b'{"query": "{ __typename }", "variables": "{}"}', 400, "BAD_REQUEST"),
    BadRequest("an operation name that is no string", b'{"query": "{ __typename }", "operationName": 0}', 400,
               "BAD_REQUEST"),
    BadRequest("extensions that are no object", b'{"query": "{ __typename }", "extensions": []}', 400, "BAD_REQUEST"),
    BadRequest("two media types as the content type", TYPENAME, 415, "UNSUPPORTED_MEDIA_TYPE",
               {"content-type": "text/plain, application/json"}),
    BadRequest("no content type", TYPENAME, 415, "UNSUPPORTED_MEDIA_TYPE", {}),
    BadRequest("a charset other than UTF-8", TYPENAME, 415, "UNSUPPORTED_MEDIA_TYPE",
               {"content-type": "application/json; charset=utf-16"}),
    BadRequest("form data", b"query=%7B+__typename+%7D", 415, "UNSUPPORTED_MEDIA_TYPE",
               {"content-type": "application/x-www-form-urlencoded"}),
    BadRequest("an answer type the server cannot write", TYPENAME, 406, "NOT_ACCEPTABLE",
               {**JSON, "accept": "text/plain"}),
    BadRequest("a mutation over GET", b"", 405, "METHOD_NOT_ALLOWED", {}, "GET",
               "/graphql?query=mutation%20%7B%20__typename%20%7D"),
    BadRequest("PUT", TYPENAME, 405, "METHOD_NOT_ALLOWED", method="PUT"),
    BadRequest("a path that serves nothing", TYPENAME, 404, "NOT_FOUND", path="/graphql/nothing"),
    BadRequest("a body over the size limit", b'{"query": "{ __typename }"}' + b" " * (256 * 1024), 413,
               "QUERY_TOO_LARGE"),
    BadRequest("variables that are not JSON over GET", b"", 400, "INVALID_JSON", {}, "GET",
               "/graphql?query=%7B__typename%7D&variables=%7Bnope"),
    BadRequest("the query twice over GET", b"", 400, "BAD_REQUEST", {}, "GET",
               "/graphql?query=%7B__typename%7D&query=%7B__typename%7D"),
    BadRequest("no query over GET", b"", 400, "BAD_REQUEST", {"accept": "application/json"}, "GET"),
    BadRequest("a subscription over HTTP", b'{"query": "subscription { __typename }"}', 400, "BAD_REQUEST"),
]
# fmt: on
