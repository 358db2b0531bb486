"""The executable schema: the root types of `schema.root` with scalars, limits, document cache, coded errors and
production settings."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from config import QueryLimits
from http_api.document_cache import DocumentCache
from http_api.limits import schema_rules
from http_api.request_errors import CodedRequestErrors
from http_api.stream_errors import StreamErrorReport
from schema.root import Mutation, Query, Subscription
from schema.scalars import SCALARS


def build_schema(limits: QueryLimits | None = None, production: bool = False) -> strawberry.Schema:
    """In production: no introspection and no "did you mean" suggestions in error messages."""
    limits = limits or QueryLimits()
    cache = DocumentCache(limits, schema_rules(production))
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[cache.extension(), StreamErrorReport],
        config=StrawberryConfig(scalar_map=SCALARS, disable_field_suggestions=production),
        execution_context_class=CodedRequestErrors,
    )
    cache.schema = schema._schema
    return schema

