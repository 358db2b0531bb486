"""Assembles the strawberry schema: root query, scalars, limits, caches and production settings."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.archive import Mutation
from schema.document_cache import DocumentCache
from schema.events import Subscription
from schema.limits import QueryLimits, schema_rules
from schema.query import Query
from schema.request_errors import CodedRequestErrors
from schema.scalars import SCALARS
from schema.stream_errors import StreamErrorReport


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

