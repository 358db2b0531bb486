"""Every error an answer carries gets a code; an unexpected exception is masked, its text and trace only logged."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.schema.exceptions import CannotGetOperationTypeError

from calculation.echo import shortened
from sources.base import SourceUnavailable
from store.aws_settings import AwsUnavailable

log = logging.getLogger("aftersales")


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
    elif isinstance(original, CannotGetOperationTypeError):  # an operationName the document does not have
        formatted["message"] = shortened(original.as_http_error_reason())
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    elif isinstance(original, SourceUnavailable):
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


def reported(error: GraphQLError, request_id: str) -> GraphQLError:
    """`format_error` as a GraphQLError, for transports that format errors themselves (the WebSocket); the
    original exception is kept for them to tell what kind of failure it was."""
    formatted = format_error(error, request_id)
    return GraphQLError(
        formatted["message"], error.nodes, error.source, error.positions, error.path,
        original_error=error.original_error, extensions=formatted["extensions"],
    )  # fmt: skip
