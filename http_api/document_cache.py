"""Parsed documents, validation results and compiled costs cached per query text, so a repeated query is parsed,
validated and costed once.

Keyed by the query string (cheap to hash), not by the parsed document (graphql-core hashes every node of it).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from config import QueryLimits
from http_api.cost import CostModel, OperationCost, default_cost_model, operation_cost, too_costly
from http_api.fast_path import Plan, compile_plan
from http_api.limits import check_limits
from http_api.request_errors import GRAPHQL_VALIDATION_FAILED, coded

CACHE_SIZE = 1024
STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)
"""The rules strawberry adds to the specification's for its own types (as its `validate_document` does)."""


class DocumentCache:
    def __init__(
        self,
        limits: QueryLimits,
        rules: tuple[type[ASTValidationRule], ...],
        size: int = CACHE_SIZE,
        cost_model: CostModel | None = None,
    ) -> None:
        self.limits = limits
        self.rules = rules
        self.cost_model = cost_model or default_cost_model(limits.max_keys)
        self.parse = lru_cache(maxsize=size)(self._parse)
        self.validate = lru_cache(maxsize=size)(self._validate)
        self.cost = lru_cache(maxsize=size)(self._cost)
        self.plan = lru_cache(maxsize=size)(self._plan)
        self.schema: GraphQLSchema | None = None

    def _parse(self, query: str) -> DocumentNode:
        try:
            return parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens" in error.message and "Parsing aborted" in error.message:
                limit = self.limits.max_tokens
                raise GraphQLError(
                    f"The document has more than {limit} tokens; shorten it or split it into requests.",
                    extensions={"code": "QUERY_TOO_LARGE", "limit": limit},
                ) from None
            raise coded(error, "GRAPHQL_PARSE_FAILED") from None

    def _validate(self, query: str) -> tuple[GraphQLError, ...]:
        assert self.schema is not None, "bind the cache to its schema first"
        document = self.parse(query)
        # a document over a limit is refused on that alone: full validation of it could take long
        errors = check_limits(document, self.limits) or validate(
            self.schema, document, (*self.rules, *STRAWBERRY_RULES), max_errors=self.limits.max_errors
        )
        return tuple(coded(error, GRAPHQL_VALIDATION_FAILED) for error in errors)

    def _cost(self, query: str, operation_name: str | None) -> OperationCost:
        """The operation's cost compiled once, to be evaluated with each request's variables."""
        assert self.schema is not None, "bind the cache to its schema first"
        return operation_cost(self.schema, self.parse(query), operation_name, self.cost_model)

    def _plan(self, query: str, operation_name: str | None) -> Plan | None:
        """The fast path's plan of the document's operation, or None where it runs on graphql-core; a plan is only run
        for a document that validates."""
        assert self.schema is not None, "bind the cache to its schema first"
        return compile_plan(self.schema, self.parse(query), operation_name)

    def extension(self) -> type[SchemaExtension]:
        """A schema extension class that serves parsing and validation from this cache."""
        cache = self

        class CachedDocuments(SchemaExtension):
            def on_parse(self) -> Iterator[None]:
                query = self.execution_context.query
                if query is not None and self.execution_context.graphql_document is None:
                    self.execution_context.graphql_document = cache.parse(query)
                yield

            cost: int | None = None

            def on_validate(self) -> Iterator[None]:
                context = self.execution_context
                if context.query is not None:
                    errors = list(cache.validate(context.query))
                    if not errors:
                        # demand control: a valid operation over the budget is refused before any source is called
                        self.cost = cache.cost(context.query, context.operation_name).evaluate(context.variables)
                        if self.cost > cache.limits.max_cost:
                            errors = [too_costly(self.cost, cache.limits.max_cost)]
                    context.pre_execution_errors = errors
                yield

            def get_results(self) -> dict[str, Any]:
                """The operation's cost in the response's extensions when the request asks with `"cost": true`."""
                asked = self.execution_context.operation_extensions or {}
                if asked.get("cost") is True and self.cost is not None:
                    return {"cost": {"requested": self.cost, "maxCost": cache.limits.max_cost}}
                return {}

        return CachedDocuments
