"""The executable schema: the root types of `schema.root` with scalars, limits, document cache, coded errors and
production settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema
from strawberry import Info
from strawberry.schema.config import StrawberryConfig
from strawberry.types.field import StrawberryField

from catalog import Catalog
from config import QueryLimits
from http_api.cost import default_cost_model
from http_api.document_cache import DocumentCache
from http_api.limits import schema_rules
from http_api.operation_log import OperationLog
from http_api.request_errors import CodedRequestErrors
from http_api.stream_errors import StreamErrorReport
from schema.root import Mutation, Query, Subscription
from schema.scalars import SCALARS


def catalogue_sizes(catalog: Catalog) -> dict[str, int]:
    """The lengths of the catalogue lists, for their cost."""
    return {
        "markets": len(catalog.markets), "brands": len(catalog.brands), "models": len(catalog.models),
        "engines": len(catalog.engines), "oilNorms": len(catalog.oil_norms), "oilProducts": len(catalog.oil_products),
        "serviceProducts": len(catalog.service_products), "serviceItemTypes": len(catalog.service_items),
    }  # fmt: skip


class ExecutableSchema(strawberry.Schema):
    """The schema with the document cache its requests are parsed, validated, costed and planned from."""

    documents: DocumentCache
    fast_path: bool = True
    """Off only to measure, or to compare with, graphql-core alone."""


def build_schema(
    limits: QueryLimits | None = None, production: bool = False, catalog: Catalog | None = None, fast_path: bool = True
) -> ExecutableSchema:
    """In production: no introspection and no "did you mean" suggestions in error messages. With the catalogue,
    its lists cost what they hold."""
    limits = limits or QueryLimits()
    model = default_cost_model(limits.max_keys, catalogue_sizes(catalog) if catalog is not None else None)
    cache = DocumentCache(limits, schema_rules(production), cost_model=model)
    schema = ExecutableSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[cache.extension(), OperationLog, StreamErrorReport],
        config=StrawberryConfig(scalar_map=SCALARS, disable_field_suggestions=production),
        execution_context_class=CodedRequestErrors,
    )
    call_resolvers_directly(schema._schema, schema.config.info_class)
    cache.schema = schema._schema
    schema.documents = cache
    schema.fast_path = fast_path
    return schema


def call_resolvers_directly(schema: GraphQLSchema, info_class: type[Info]) -> None:
    """Fields without arguments, extensions or permissions skip strawberry's per-call machinery (argument
    conversion and an extension chain that is empty for them): a field without a resolver reads its attribute in
    one call instead of three, one with a resolver gets its root and info at once. On 100 vehicles that is nearly a
    fifth of the standard path's time; what each field reads and is given is the same."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        if graphql_type is schema.subscription_type:
            continue
        for graphql_field in graphql_type.fields.values():
            definition = graphql_field.extensions.get("strawberry-definition")
            if definition is None or definition.extensions or definition.arguments:
                continue
            resolver = definition.base_resolver
            if resolver is None:
                if getattr(graphql_field.resolve, "_is_default", False):  # strawberry's marker of its plain wrapper
                    graphql_field.resolve = attribute_reader(definition.python_name)
            elif resolver.self_parameter is None and resolver.parent_parameter is None:
                graphql_field.resolve = resolver_caller(definition, info_class)


def attribute_reader(name: str) -> Callable[..., Any]:
    def read(source: Any, info: object) -> Any:
        return getattr(source, name)

    return read


def resolver_caller(definition: StrawberryField, info_class: type[Info]) -> Callable[..., Any]:
    """The field's resolver given its root and info by the names it asks for them, as strawberry gives them."""
    resolver = definition.base_resolver
    assert resolver is not None
    function = resolver.wrapped_func
    assert callable(function)
    root = resolver.root_parameter.name if resolver.root_parameter is not None else None
    info = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def call(source: Any, graphql_info: Any) -> Any:
        given: dict[str, Any] = {}
        if root is not None:
            given[root] = source
        if info is not None:
            given[info] = info_class(_raw_info=graphql_info, _field=definition)
        return function(**given)

    return call
