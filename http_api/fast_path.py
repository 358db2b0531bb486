"""The execution fast path: a validated query over vehicles compiled once into a plan, which loads level by level
over all vehicles (one batch per source) and writes the answer without the executor's per-field machinery.

A plan covers the fields it knows how to read: the vehicles by VIN, their plain attributes, brand, model, market,
engine with its oil norms, the history with its items, contracts and open campaigns, through fragments and
`@skip`/`@include` with literal conditions. Anything else (other root fields, arguments below the root, a
condition from a variable, other directives, a field guarded by a role) compiles to no plan, and the request
goes to graphql-core.
At run time anything unusual (a malformed VIN, a failed source, a null where the schema promises a value) falls
back the same way, so that errors, partial answers, scopes and costs are graphql-core's own: the plan only ever
answers what graphql-core would have answered without an error, byte for byte (a differential test holds it to
that).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
)
from graphql.execution.values import get_variable_values

from calculation.records import Vehicle
from calculation.vin import checked_vin
from http_api.answer_writer import AnswerWriter, Build, Fallback, Needs, Unsupported, collect
from resolvers.context import RequestContext
from resolvers.prefetch import ask_now, load_engines, vin_keyed


@dataclass
class RootField:
    key: str
    many: bool
    argument: StringValueNode | ListValueNode | VariableNode
    build: Build


@dataclass
class Plan:
    operation: OperationDefinitionNode
    roots: list[RootField]
    needs: Needs = field(default_factory=Needs)

    async def run(self, ctx: RequestContext, schema: GraphQLSchema, variables: Mapping[str, Any] | None) -> Any:
        """The answer's `data`, or Fallback."""
        coerced = get_variable_values(schema, self.operation.variable_definitions or (), dict(variables or {}))
        if isinstance(coerced, list):
            raise Fallback
        asked = [vins_of(root, coerced.coerced, ctx) for root in self.roots]
        every = list(dict.fromkeys(vin for vins in asked for vin in vins))
        ask_now(vin_keyed(ctx, self.needs.vehicle_fields), every)  # in the vehicle master's round, as the standard path
        found = await asyncio.gather(*(ctx.loaders.vehicle_by_vin.load(vin) for vin in every), return_exceptions=True)
        if any(isinstance(v, BaseException) for v in found):
            raise Fallback
        vehicles = [v for v in found if isinstance(v, Vehicle)]
        await self._load(ctx, vehicles)
        by_vin = dict(zip(every, found, strict=True))
        data = {}
        try:
            for root, vins in zip(self.roots, asked, strict=True):
                built = [None if by_vin[vin] is None else root.build(ctx, by_vin[vin]) for vin in vins]
                data[root.key] = built if root.many else built[0]
        except Exception as error:  # data not loaded, a value a scalar refuses, a code missing from the catalogue
            raise Fallback from error
        return data

    async def _load(self, ctx: RequestContext, vehicles: Sequence[Vehicle]) -> None:
        vins = [v.vin for v in vehicles]
        jobs: list[Awaitable[Any]] = [loader.load_many(vins) for loader in vin_keyed(ctx, self.needs.vehicle_fields)]
        if self.needs.engines:
            jobs.append(load_engines(ctx, vehicles, self.needs.oil_norms))
        results = await asyncio.gather(*jobs, return_exceptions=True)
        if any(isinstance(r, BaseException) for r in results):
            raise Fallback


def vins_of(root: RootField, variables: Mapping[str, Any], ctx: RequestContext) -> list[str]:
    """The root field's VINs, checked and upper-cased; a malformed one, or too many, is graphql-core's error."""
    argument = root.argument
    if isinstance(argument, VariableNode):
        value = variables.get(argument.name.value)
    elif isinstance(argument, ListValueNode):
        value = [v.value if isinstance(v, StringValueNode) else None for v in argument.values]
    else:
        value = argument.value
    given = value if root.many else [value]
    if not isinstance(given, list) or len(given) > ctx.max_keys or not all(isinstance(v, str) for v in given):
        raise Fallback
    vins = []
    for vin in given:
        check = checked_vin(vin, ctx.catalog)
        if check.reject is not None:
            raise Fallback
        vins.append(check.vin)
    return vins


def compile_plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan | None:
    """The plan of a valid document's operation, or None where the plan does not cover it."""
    try:
        return _compile(schema, document, operation_name)
    except Unsupported:
        return None


def _compile(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY or chosen[0].directives:
        raise Unsupported
    operation = chosen[0]
    if any(v.directives for v in operation.variable_definitions or ()):
        raise Unsupported
    query = schema.query_type
    assert query is not None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    writer = AnswerWriter(fragments)
    roots = []
    for key, nodes in collect(query, [operation.selection_set], fragments).items():
        node = nodes[0]
        name = node.name.value
        arguments = node.arguments or ()
        if name not in ("vehicle", "vehicles") or len(arguments) != 1 or len(nodes) > 1:
            raise Unsupported
        argument = arguments[0].value
        if not isinstance(argument, StringValueNode | ListValueNode | VariableNode):
            raise Unsupported
        vehicle_type = schema.get_type("Vehicle")
        assert isinstance(vehicle_type, GraphQLObjectType)
        build = writer.builder(vehicle_type, [node.selection_set])
        roots.append(RootField(key, name == "vehicles", argument, build))
    return Plan(operation, roots, writer.needs)
