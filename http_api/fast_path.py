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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    is_leaf_type,
)
from graphql.execution.values import get_variable_values

from calculation.quote import open_campaigns as open_campaigns_of
from calculation.records import Vehicle
from calculation.vin import checked_vin
from resolvers import vehicle as vehicle_resolvers
from resolvers.context import RequestContext
from resolvers.prefetch import ask_now, load_engines, vin_keyed

Build = Callable[[RequestContext, Any], Any]
"""Writes one object's (or value's) JSON form from its record, all its data loaded."""


class Unsupported(Exception):
    """The document has a part the plan does not cover: it runs on graphql-core."""


class Fallback(Exception):
    """Something at run time that graphql-core answers with an error or a partial result: it answers."""


@dataclass
class Needs:
    """What the plan's vehicles need loaded before the answer is written."""

    vehicle_fields: set[str] = field(default_factory=set)
    """The Vehicle fields read: which sources keyed by VIN they need is `prefetch.vin_keyed`'s to say."""
    engines: bool = False
    oil_norms: bool = False


RELATIONS: dict[str, Callable[[RequestContext, Any], Any]] = {
    "Vehicle.brand": lambda ctx, v: vehicle_resolvers.brand_of(ctx.catalog, v),
    "Vehicle.model": lambda ctx, v: ctx.catalog.models[v.model_code],
    "Vehicle.market": lambda ctx, v: ctx.catalog.markets[v.market],
    "Vehicle.engine": lambda ctx, v: loaded(ctx.loaders.engine_by_code.get(v.engine_code)),
    "Vehicle.serviceEvents": lambda ctx, v: loaded(ctx.loaders.service_events_by_vin.get(v.vin)),
    "Vehicle.contracts": lambda ctx, v: loaded(ctx.loaders.contracts_by_vin.get(v.vin)),
    "Vehicle.openCampaigns": lambda ctx, v: open_campaigns_of(
        ctx.catalog,
        loaded(ctx.loaders.campaign_assignments_by_vin.get(v.vin)),
        loaded(ctx.loaders.service_events_by_vin.get(v.vin)),
    ),
    "Engine.oilNorms": lambda ctx, e: [
        norm for code in e.oil_norm_codes if (norm := loaded(ctx.loaders.oil_norm_by_code.get(code))) is not None
    ],
    "ServiceEventItem.name": lambda ctx, item: vehicle_resolvers.item_name(ctx.catalog, item),
}
"""The resolver fields a plan reads, each as the resolver reads it once its data is loaded."""
NEEDED_BY = {"Vehicle.engine": ("engines",), "Engine.oilNorms": ("engines", "oil_norms")}


def loaded(value: Any) -> Any:
    """A loader's value, already loaded; one still to come (or failed) is graphql-core's to handle."""
    if asyncio.isfuture(value) or asyncio.iscoroutine(value):
        raise Fallback
    return value


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
        for root, vins in zip(self.roots, asked, strict=True):
            built = [None if by_vin[vin] is None else root.build(ctx, by_vin[vin]) for vin in vins]
            data[root.key] = built if root.many else built[0]
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
    compiling = Compiling(fragments)
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
        build = compiling.object_builder(vehicle_type, [node.selection_set])
        roots.append(RootField(key, name == "vehicles", argument, build))
    return Plan(operation, roots, compiling.needs)


def response_key(node: FieldNode) -> str:
    return (node.alias or node.name).value


def collect(
    kind: GraphQLObjectType,
    selection_sets: Sequence[SelectionSetNode | None],
    fragments: Mapping[str, FragmentDefinitionNode],
) -> dict[str, list[FieldNode]]:
    """The fields of selection sets on one object type by response key, in the order graphql-core executes them:
    fragments spread in, fields of one key merged (validation made them the same field), `@skip`/`@include` with a
    literal condition applied. A condition from a variable, or any other directive, is not covered."""
    found: dict[str, list[FieldNode]] = {}
    spread: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            raise Unsupported
        for selection in selection_set.selections:
            if not included(selection):
                continue
            if isinstance(selection, FieldNode):
                found.setdefault(response_key(selection), []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if selection.type_condition is not None and selection.type_condition.name.value != kind.name:
                    raise Unsupported  # only abstract types make such a fragment apply, and none is covered
                visit(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                spread.add(selection.name.value)  # a fragment spread twice in one selection is collected once
                fragment = fragments[selection.name.value]
                if fragment.type_condition.name.value != kind.name or fragment.directives:
                    raise Unsupported
                visit(fragment.selection_set)

    for selection_set in selection_sets:
        visit(selection_set)
    return found


def included(selection: SelectionNode) -> bool:
    """`@skip(if: …)` and `@include(if: …)` with a literal condition; anything else is not covered."""
    keep = True
    for directive in selection.directives or ():
        arguments = directive.arguments or ()
        condition = arguments[0].value if len(arguments) == 1 else None
        if directive.name.value not in ("skip", "include") or not isinstance(condition, BooleanValueNode):
            raise Unsupported
        keep = keep and condition.value == (directive.name.value == "include")
    return keep


@dataclass
class Compiling:
    """One document's compilation: its fragments, and what its vehicles will need loaded."""

    fragments: Mapping[str, FragmentDefinitionNode]
    needs: Needs = field(default_factory=Needs)

    def object_builder(self, kind: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode | None]) -> Build:
        parts: list[tuple[str, Build]] = []
        for key, nodes in collect(kind, selection_sets, self.fragments).items():
            name = nodes[0].name.value
            if name == "__typename":
                parts.append((key, typename(kind.name)))
                continue
            definition = kind.fields.get(name)
            if definition is None or any(node.arguments for node in nodes):
                raise Unsupported
            parts.append((key, self.field_builder(kind, name, definition.type, nodes)))

        def build(ctx: RequestContext, obj: Any) -> dict[str, Any]:
            return {key: part(ctx, obj) for key, part in parts}

        return build

    def field_builder(
        self, kind: GraphQLObjectType, name: str, graphql_type: GraphQLOutputType, nodes: Sequence[FieldNode]
    ) -> Build:
        strawberry_field = kind.fields[name].extensions.get("strawberry-definition")
        if strawberry_field is None or strawberry_field.extensions:
            raise Unsupported  # a role check, or a field strawberry does not define
        qualified = f"{kind.name}.{name}"
        selection_sets = [node.selection_set for node in nodes]
        read: Build
        if strawberry_field.base_resolver is None:
            attribute = strawberry_field.python_name
            leaf = plain_leaf(attribute, graphql_type, selection_sets)
            if leaf is not None:
                return leaf

            def read(ctx: RequestContext, obj: Any) -> Any:
                return getattr(obj, attribute)
        elif qualified in RELATIONS:
            read = RELATIONS[qualified]
            if kind.name == "Vehicle":
                self.needs.vehicle_fields.add(name)
            for need in NEEDED_BY.get(qualified, ()):
                setattr(self.needs, need, True)
        else:
            raise Unsupported
        complete = self.completer(graphql_type, selection_sets)
        return lambda ctx, obj: complete(ctx, read(ctx, obj))

    def completer(self, graphql_type: GraphQLOutputType, selection_sets: Sequence[SelectionSetNode | None]) -> Build:
        """Writes a value of `graphql_type` as graphql-core's executor completes it (no errors: those fall back);
        a non-null type is checked in the same step as its value is written."""
        required = isinstance(graphql_type, GraphQLNonNull)
        kind = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        write: Callable[[RequestContext, Any], Any]
        if isinstance(kind, GraphQLList):
            item = self.completer(kind.of_type, selection_sets)

            def write(ctx: RequestContext, value: Any) -> Any:
                return [item(ctx, v) for v in value]
        elif is_leaf_type(kind):
            if any(s is not None for s in selection_sets):
                raise Unsupported
            serialize = kind.serialize

            def write(ctx: RequestContext, value: Any) -> Any:
                return serialize(value)
        elif isinstance(kind, GraphQLObjectType):
            write = self.object_builder(kind, selection_sets)
        else:
            raise Unsupported  # interfaces and unions

        def complete(ctx: RequestContext, value: Any) -> Any:
            if value is None:
                if required:
                    raise Fallback
                return None
            return write(ctx, value)

        return complete


def typename(name: str) -> Build:
    return lambda ctx, obj: name


def plain_leaf(attribute: str, graphql_type: GraphQLOutputType, selection_sets: Sequence[SelectionSetNode | None]
               ) -> Build | None:  # fmt: skip
    """A scalar attribute in one step (most fields are): read, check, serialize."""
    required = isinstance(graphql_type, GraphQLNonNull)
    kind = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if not is_leaf_type(kind) or any(s is not None for s in selection_sets):
        return None
    serialize = kind.serialize

    def leaf(ctx: RequestContext, obj: Any) -> Any:
        value = getattr(obj, attribute)
        if value is None:
            if required:
                raise Fallback
            return None
        return serialize(value)

    return leaf
