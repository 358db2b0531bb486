"""Mistakes in the request itself get their code where graphql-core finds them, before any resolver runs.

Validation errors (the document cache) are GRAPHQL_VALIDATION_FAILED and variable coercion errors (the executor's
build step) BAD_USER_INPUT, whatever exception a scalar raised underneath: the code is set here, and the scalar's
exception is dropped, so that error formatting never takes a client's mistake for an internal failure. graphql-core's
messages echo the offending input (names, literals, values): that echo is cut here too.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from calculation.echo import shortened

GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"


def coded(error: GraphQLError, code: str) -> GraphQLError:
    """`error` with `code` unless it has one, its echo of the input cut, and without its original exception (the
    exception's sentence is in the message already)."""
    extensions = error.extensions or {}
    return GraphQLError(
        shortened(error.message), error.nodes, error.source, error.positions, error.path,
        extensions=extensions if "code" in extensions else {**extensions, "code": code},
    )  # fmt: skip


class CodedRequestErrors(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; the errors of a request it cannot execute (variables, operation) are BAD_USER_INPUT."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            return [coded(error, BAD_USER_INPUT) for error in built]
        return built
