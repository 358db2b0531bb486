"""GraphQL over HTTP: one request in, one coded JSON answer out, with the status code the spec gives its media type.

Strawberry executes; this module reads the request and writes the answer, so that every refusal is coded JSON."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

import logs
from http_api.admission import Admission
from http_api.answer_writer import Fallback
from http_api.errors import RequestError, json_answer
from http_api.executable_schema import ExecutableSchema
from http_api.media import GRAPHQL_RESPONSE, JSON, answer_type, wants_page
from http_api.operation import Operation, read_operation
from observability.observer import IDLE, Observer, RequestMeasure

METHODS = ("GET", "POST")
ALLOWED_OPERATIONS = {"GET": {OperationType.QUERY}, "POST": {OperationType.QUERY, OperationType.MUTATION}}
"""What each method may run (mutations change data, so never over GET; subscriptions go over the WebSocket)."""


async def answer(view: GraphQL[Any, Any], admission: Admission, request: Request, timeout: float,
                 observer: Observer = IDLE) -> Response:  # fmt: skip
    """The view lends its schema, context, GraphiQL page and result formatting; `admission` decides who gets in;
    `observer` measures every request but the GraphiQL page."""
    accept = ", ".join(request.headers.getlist("accept")) or None
    if request.method == "GET" and "query" not in request.query_params and wants_page(accept):
        if view.graphql_ide is None:
            message = "No page is served here in production; send GraphQL requests."
            return RequestError(404, "NOT_FOUND", message).answer()
        return await view.render_graphql_ide(request)
    with observer.request(request.headers) as measure:
        return await measured(view, admission, request, timeout, accept, measure)


async def measured(view: GraphQL[Any, Any], admission: Admission, request: Request, timeout: float,
                   accept: str | None, measure: RequestMeasure) -> Response:  # fmt: skip
    media = JSON
    try:
        if request.method not in METHODS:
            message = "GraphQL is served over GET and POST."
            raise RequestError(405, "METHOD_NOT_ALLOWED", message, {"Allow": ", ".join(METHODS)})
        negotiated = answer_type(accept)
        if negotiated is None:
            message = f"The answer is JSON: accept {GRAPHQL_RESPONSE} or {JSON}."
            raise RequestError(406, "NOT_ACCEPTABLE", message)
        media = negotiated
        admission.enter()
        try:
            return await admitted(view, admission, request, media, timeout, measure)
        finally:
            admission.leave()
    except RequestError as error:
        measure.outcome = error.code
        return error.answer(media)


async def admitted(view: GraphQL[Any, Any], admission: Admission, request: Request, media: str,
                   timeout: float, measure: RequestMeasure) -> Response:  # fmt: skip
    """Credentials first, then the principal's rate, and only then is the body read."""
    principal = await admission.principal(request.headers.get("authorization"))
    request.state.principal = principal
    with logs.bound(principal=principal.id, role=principal.role):
        try:
            await admission.take_turn(principal)
            operation = await read_operation(request)
            query = admission.document(operation.query, operation.extensions, request.method)
            return await execute(view, request, replace(operation, query=query), media, timeout, measure)
        finally:
            measure.operation = logs.field("operation")  # as both execution paths name it in the logs


async def execute(view: GraphQL[Any, Any], request: Request, operation: Operation, media: str,
                  timeout: float, measure: RequestMeasure) -> Response:  # fmt: skip
    # the context hook's response argument is for frameworks that let resolvers set headers; ours do not
    context = await view.get_context(request, Response())
    try:
        # the deadline from the loaders' loop: on Python 3.11 each look-up of the running loop is a system call
        async with asyncio.timeout_at(context.loaders.loop.time() + timeout):
            planned = await fast_answer(view.schema, context, operation)
            if planned is not None:
                return json_answer(planned, 200, media)
            result = await view.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=await view.get_root_value(request),
                operation_name=operation.operation_name,
                allowed_operation_types=ALLOWED_OPERATIONS[request.method],
                operation_extensions=operation.extensions,
            )
    except TimeoutError:
        message = f"The request took longer than {timeout:g} s and was stopped; ask for less at once."
        raise RequestError(504, "REQUEST_TIMEOUT", message) from None
    except InvalidOperationTypeError as error:
        raise refusal(error.operation_type) from None
    except CannotGetOperationTypeError as error:
        result = ExecutionResult(data=None, errors=[unknown_operation(error.operation_name)])
    finally:
        # the loaders refer back to the context (its scope check): freed now by reference counting, instead of
        # as a cycle by the collector, whose pauses over every request's leftovers were the slowest answers
        context.renew_loaders()
    body = await view.process_result(request, result)
    measure.outcome = first_code(body.get("errors"))
    if not request_error(result) or media == JSON:  # application/json: 200 for every GraphQL result, as clients expect
        return json_answer(body, 200, media)
    body.pop("data", None)
    return json_answer(body, 400, media)


async def fast_answer(schema: Any, context: Any, operation: Operation) -> dict[str, Any] | None:
    """The answer of a valid query within its budget that the fast path's plan covers; None: graphql-core's."""
    if not isinstance(schema, ExecutableSchema) or not schema.fast_path or operation.query is None:
        return None
    if operation.extensions and "cost" in operation.extensions:
        return None  # the cost report is the executor's extension result
    documents = schema.documents
    query, name = operation.query, operation.operation_name
    try:
        # the plan first: a document it does not cover is validated and costed once, by graphql-core's path
        plan = documents.plan(query, name)
        if plan is None or documents.validate(query):
            return None
    except GraphQLError:  # a parse error or the token limit
        return None
    if documents.cost(query, name).evaluate(operation.variables) > documents.limits.max_cost:
        return None
    logs.bind(operation=plan.operation.name.value if plan.operation.name else None)
    try:
        return {"data": await plan.run(context, schema._schema, operation.variables)}
    except Fallback:
        return None


def first_code(errors: list[Any] | None) -> str | None:
    """The code of an answer's first error (every error has one, `format_error` sees to it); None without errors."""
    if not errors:
        return None
    code: str = errors[0]["extensions"]["code"]
    return code


def request_error(result: ExecutionResult) -> bool:
    """Refused before execution started (a parse, validation or variable error): no data, no error at a field."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or ())


def refusal(operation_type: OperationType) -> RequestError:
    if operation_type == OperationType.MUTATION:
        message = "A mutation changes data and is not served over GET; send it with POST."
        return RequestError(405, "METHOD_NOT_ALLOWED", message, {"Allow": "POST"})
    message = "Subscriptions are served over the WebSocket at /graphql (graphql-transport-ws), not over HTTP."
    return RequestError(400, "BAD_REQUEST", message)


def unknown_operation(name: str | None) -> GraphQLError:
    if name is None:
        message = "The document has no operation to run, only fragments."
    else:
        message = f"The document has no operation named {name!r}."
    return GraphQLError(message, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
