"""Errors streamed over the WebSocket get the same codes and masking as HTTP answers (strawberry formats them)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from resolvers.context import RequestContext
from resolvers.error_report import reported


class StreamErrorReport(SchemaExtension):
    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(result, ExecutionResult) and result.errors and isinstance(context, RequestContext):
            result.errors = [reported(error, context.request_id) for error in result.errors]
        yield
