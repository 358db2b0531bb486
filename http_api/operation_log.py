"""Names the operation in every later log line of its request, from the document when the request named none."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

import logs


class OperationLog(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        # bound for the rest of the request's task (errors are reported after execution): the HTTP endpoint's
        # principal binding ends it with the request, a WebSocket operation runs in a task of its own
        logs.bind(operation=self.execution_context.operation_name)
        yield
