"""One GraphQL operation read from an HTTP request: the JSON body of a POST or the parameters of a GET."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request

from http_api.errors import RequestError
from http_api.media import is_json

PARAMETERS = ("query", "variables", "operationName", "extensions")
JSON_RULES = "JSON in UTF-8 without a byte order mark, nested at most 1024 levels deep, every number within 64 bits"


@dataclass(frozen=True)
class Operation:
    query: str | None
    """None when the request names a persisted document by its id instead."""
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def bad_request(message: str) -> RequestError:
    return RequestError(400, "BAD_REQUEST", message)


async def read_operation(request: Request) -> Operation:
    """The operation a GET names in its parameters or a POST sends as its JSON body."""
    if request.method == "GET":
        return from_parameters(request.query_params)
    content_type = request.headers.get("content-type")
    if not is_json(content_type):
        raise RequestError(
            415, "UNSUPPORTED_MEDIA_TYPE",
            "Send the operation as a JSON object with the header Content-Type: application/json.",
        )  # fmt: skip
    try:
        body = await request.body()
    except ClientDisconnect:  # nobody reads the answer, but the server logs no failure for a client that left
        raise bad_request("The connection closed before the whole request body arrived.") from None
    return from_body(body)


def from_body(body: bytes) -> Operation:
    if not body.strip():
        raise bad_request('The request has no body; send a JSON object such as {"query": "{ __typename }"}.')
    document = decode(body, "The request body")
    if isinstance(document, list):
        raise bad_request("A list of operations is not served; send one operation, a JSON object, per request.")
    if not isinstance(document, dict):
        raise bad_request('The request body must be a JSON object such as {"query": "{ __typename }"}.')
    return operation(document)


def from_parameters(parameters: QueryParams) -> Operation:
    for name in PARAMETERS:
        if len(parameters.getlist(name)) > 1:
            raise bad_request(f"The parameter {name} is given more than once.")
    fields: dict[str, object] = {name: parameters[name] for name in PARAMETERS if name in parameters}
    for name in ("variables", "extensions"):
        text = fields.get(name)
        fields[name] = decode(text.encode(), f"The parameter {name}") if isinstance(text, str) and text else None
    return operation(fields)


def decode(data: bytes, what: str) -> object:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        # orjson refuses what would exhaust the server (deep nesting, huge numbers) like any other malformed input
        where = f"line {error.lineno}, column {error.colno}"
        raise RequestError(400, "INVALID_JSON", f"{what} is not valid {JSON_RULES} (at {where}).") from None


def operation(fields: Mapping[str, object]) -> Operation:
    query = fields.get("query")
    variables, operation_name, extensions = (fields.get(name) for name in PARAMETERS[1:])
    persisted = isinstance(extensions, dict) and "persistedQuery" in extensions
    if (query is None or query == "") and not persisted:
        raise bad_request("The request has no GraphQL document; send it in the query parameter.")
    if not (query is None or isinstance(query, str)):
        raise bad_request("The query parameter must be a string: the GraphQL document.")
    if not (variables is None or isinstance(variables, dict)):
        raise bad_request("The variables parameter must be a JSON object or null.")
    if not (operation_name is None or isinstance(operation_name, str)):
        raise bad_request("The operationName parameter must be a string or null.")
    if not (extensions is None or isinstance(extensions, dict)):
        raise bad_request("The extensions parameter must be a JSON object or null.")
    return Operation(query or None, variables, operation_name, extensions)
