"""Writes the answer builder of a plan's vehicle selection as Python source, compiled once per document.

The Python analogue of graphql-jit's generated functions: one function per selected object, which reads each field
(a plain attribute, or a relation as its resolver reads it once its data is loaded), checks it against the
schema's nullability and serializes it into a dict in graphql-core's key order, with no call per field. Where the
executor would give an error (a null where the schema promises a value, a value a scalar cannot serialize), the
builder raises Fallback and the request is answered by graphql-core.

Only names from the schema and the validated document (GraphQL names: letters, digits, underscores) reach the
source, and the document's only as quoted dict keys; everything else is bound by reference in the namespace.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    is_leaf_type,
)

from calculation.quote import open_campaigns as open_campaigns_of
from resolvers import vehicle as vehicle_resolvers
from resolvers.context import RequestContext

Build = Callable[[RequestContext, Any], Any]
"""Writes one object's JSON form from its record, all its data loaded."""


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
    "Vehicle.engine": lambda ctx, v: ctx.loaders.engine_by_code.loaded(v.engine_code),
    "Vehicle.serviceEvents": lambda ctx, v: ctx.loaders.service_events_by_vin.loaded(v.vin),
    "Vehicle.contracts": lambda ctx, v: ctx.loaders.contracts_by_vin.loaded(v.vin),
    "Vehicle.openCampaigns": lambda ctx, v: open_campaigns_of(
        ctx.catalog,
        ctx.loaders.campaign_assignments_by_vin.loaded(v.vin),
        ctx.loaders.service_events_by_vin.loaded(v.vin),
    ),
    "Engine.oilNorms": lambda ctx, e: [
        norm for code in e.oil_norm_codes if (norm := ctx.loaders.oil_norm_by_code.loaded(code)) is not None
    ],
    "ServiceEventItem.name": lambda ctx, item: vehicle_resolvers.item_name(ctx.catalog, item),
}
"""The resolver fields a plan reads, each as the resolver reads it once its data is loaded (a value still to
come, or failed, raises: the builder's caller falls back)."""
NEEDED_BY = {"Vehicle.engine": ("engines",), "Engine.oilNorms": ("engines", "oil_norms")}

CATALOGUE_KINDS = frozenset({"Brand", "VehicleModel", "Market", "Engine", "OilNorm"})
"""Types whose records are the catalogue's, the same objects for the process's life, as are their answers: each
is written once per document and record, and reused (answers are only ever serialized, never changed)."""
MEMO_LIMIT = 10_000
"""More than any catalogue holds of one kind: a bound, should records of such a kind ever be made per request."""
EXACT_CLASS = {GraphQLString: "str", GraphQLID: "str", GraphQLBoolean: "bool"}
"""Built-in scalars that serialize a value of exactly this class as the value itself."""


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


def fallback() -> Any:
    raise Fallback


def checked(serialize: Callable[[Any], Any], required: bool) -> Callable[[Any], Any]:
    """A scalar's serializer with the schema's nullability: a null where a value is promised falls back."""

    def serialized(value: Any) -> Any:
        if value is None:
            if required:
                raise Fallback
            return None
        return serialize(value)

    return serialized


@dataclass
class AnswerWriter:
    """One document's builders: their source, the objects they refer to, and what their vehicles need loaded."""

    fragments: Mapping[str, FragmentDefinitionNode]
    needs: Needs = field(default_factory=Needs)
    functions: list[str] = field(default_factory=list)
    compiled: int = 0
    namespace: dict[str, Any] = field(default_factory=lambda: {"fallback": fallback})

    def builder(self, kind: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode | None]) -> Build:
        """The compiled builder of one object selection."""
        name = self.object_function(kind, selection_sets)
        source = "\n\n".join(self.functions[self.compiled :])
        self.compiled = len(self.functions)
        exec(compile(source, f"<answer of {kind.name}>", "exec"), self.namespace)
        built: Build = self.namespace[name]
        return built

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def object_function(self, kind: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode | None]) -> str:
        """The name of a function writing an object (never None) of `kind` with the selections' fields."""
        name = self.bind("object", None)
        lines, entries = [f"def {name}(ctx, obj):  # {kind.name}"], []
        for number, (key, nodes) in enumerate(collect(kind, selection_sets, self.fragments).items()):
            field_name = nodes[0].name.value
            if field_name == "__typename":
                entries.append(f"{key!r}: {kind.name!r}")
                continue
            definition = kind.fields.get(field_name)
            if definition is None or any(node.arguments for node in nodes):
                raise Unsupported
            lines.append(f"    value = {self.read(kind, field_name)}")
            complete = self.complete(definition.type, [node.selection_set for node in nodes], "value", 0)
            lines.append(f"    field{number} = {complete}")
            entries.append(f"{key!r}: field{number}")
        answer = f"{{{', '.join(entries)}}}"
        if kind.name in CATALOGUE_KINDS:
            memo = self.bind("written", {})
            lines.insert(1, f"    known = {memo}.get(id(obj))\n    if known is not None and known[0] is obj:\n"
                            "        return known[1]")  # fmt: skip
            lines.append(f"    answer = {answer}\n    if len({memo}) < {MEMO_LIMIT}:\n"
                         f"        {memo}[id(obj)] = (obj, answer)\n    return answer")  # fmt: skip
        else:
            lines.append(f"    return {answer}")
        self.functions.append("\n".join(lines))
        return name

    def read(self, kind: GraphQLObjectType, field_name: str) -> str:
        """An expression reading a field of `obj`: its attribute, or the relation its resolver reads."""
        strawberry_field = kind.fields[field_name].extensions.get("strawberry-definition")
        if strawberry_field is None or strawberry_field.extensions:
            raise Unsupported  # a role check, or a field strawberry does not define
        if strawberry_field.base_resolver is None:
            attribute = strawberry_field.python_name
            if not attribute.isidentifier() or keyword.iskeyword(attribute):
                raise Unsupported
            return f"obj.{attribute}"
        qualified = f"{kind.name}.{field_name}"
        if qualified not in RELATIONS:
            raise Unsupported
        if kind.name == "Vehicle":
            self.needs.vehicle_fields.add(field_name)
        for need in NEEDED_BY.get(qualified, ()):
            setattr(self.needs, need, True)
        return f"{self.bind('relation', RELATIONS[qualified])}(ctx, obj)"

    def complete(
        self, graphql_type: GraphQLOutputType, selection_sets: Sequence[SelectionSetNode | None], value: str, depth: int
    ) -> str:
        """An expression writing the value named `value` as graphql-core's executor completes a `graphql_type`."""
        required = isinstance(graphql_type, GraphQLNonNull)
        kind = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
        written: str
        if is_leaf_type(kind):
            if any(s is not None for s in selection_sets):
                raise Unsupported
            if kind in EXACT_CLASS or kind is GraphQLInt:  # the value itself, checked and serialized only if not
                serialize = self.bind("serialize", checked(kind.serialize, required))
                exact = f"{value}.__class__ is {EXACT_CLASS.get(kind, 'int')}"
                if kind is GraphQLInt:
                    exact += f" and {GRAPHQL_MIN_INT} <= {value} <= {GRAPHQL_MAX_INT}"
                return f"{value} if {exact} else {serialize}({value})"
            written = f"{self.bind('serialize', kind.serialize)}({value})"
        elif isinstance(kind, GraphQLList):
            item = f"item{depth}"
            written = f"[{self.complete(kind.of_type, selection_sets, item, depth + 1)} for {item} in {value}]"
        elif isinstance(kind, GraphQLObjectType):
            written = f"{self.object_function(kind, selection_sets)}(ctx, {value})"
        else:
            raise Unsupported  # interfaces and unions
        return f"({'fallback()' if required else 'None'} if {value} is None else {written})"
