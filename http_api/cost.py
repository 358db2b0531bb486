"""Demand control: a static cost per operation, so that a document asking for far more work than any client needs
(thirty aliased quotes of a hundred vehicles) can be refused before it runs, whatever its depth or alias count.

The cost is an upper estimate of the work, counted the way GraphQL cost analyses commonly do: each object
returned costs 1, the calculations cost their weight, lists multiply what they contain by their assumed or
requested length. It is compiled once per document and operation into a polynomial in the lengths of the list
variables that give keyed lists (`vehicles(vins: $vins)`), so that each request only evaluates it.

Under the defaults the README's 100-vehicle shop query (`bench.validation.SHOP`) costs 20,800, and 29 aliased
quotes (positions and totals) of 100 vehicles cost 197,300, against the default budget `QueryLimits.max_cost` of 50,000.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)

CATALOGUE_LIST_SIZE = 100
"""Assumed length of a catalogue list when the server does not say: twice the largest today (50 item types)."""

CATALOGUE_LISTS = (
    "markets",
    "brands",
    "models",
    "engines",
    "oilNorms",
    "oilProducts",
    "serviceProducts",
    "serviceItemTypes",
)
"""The Query fields that list a catalogue, by the names `default_cost_model`'s `catalogue_sizes` takes."""

# Measured on 100 vehicles of the demo data in one process: a quote takes about 0.9 ms per vehicle, as much as
# some 40 plain objects of the answer; the weights are in that unit.
FIELD_COSTS = {
    "Vehicle.serviceQuote": 50,  # due evaluation, pricing, discounts and tax per payer: the heaviest calculation
    "Vehicle.dueServices": 20,  # due evaluation alone, about 0.4 of a quote
    "Vehicle.serviceProducts": 10,  # every eligibility rule for each sold product
    "Vehicle.requiredOil": 5,  # norm resolution and the cheapest matching product of the market
    "Query.archivedQuote": 5,  # one archive read and the parse of its JSON
    "Mutation.recordServiceEvent": 20,  # a write with its idempotency check and the event's publication
    "Mutation.archiveServiceQuote": 60,  # a quote, plus hashing and writing the archive document
}

LIST_SIZES = {
    "Vehicle.serviceEvents": 20,  # a long history: the demo data averages 4 events, at most 25
    "ServiceEvent.items": 5,  # items per visit: 3.2 on average
    "ServiceEvent.warnings": 2,  # ODOMETER_ROLLBACK and ODOMETER_OUTLIER at most
    "Vehicle.contracts": 5,  # the demo data has at most 2 per vehicle
    "Vehicle.openCampaigns": 5,  # at most 1 in the demo data
    "Engine.oilNorms": 5,  # at most 2 per engine
    "OilRequirement.norms": 5,  # the engine's norms after overrides
    "Vehicle.dueServices": 25,  # applicable items: 9.4 on average
    "ServiceQuote.dueItems": 25,  # the same items
    "ServiceQuote.positions": 15,  # 8.4 on average, at most 24
    "ServiceQuote.totals": 3,  # one per payer: CUSTOMER, SERVICE_PLAN, OEM
    "ServiceQuote.warnings": 5,  # VIN, odometer, contract and oil remarks
    "EligibilityResult.reasons": 5,  # the rules that fail
}

KEYED_LISTS = {"Query.vehicles": "vins"}


@dataclass(frozen=True)
class CostModel:
    """How much each part of a document costs.

    A field named in `field_costs` costs its weight once per parent object: the weight is the work of producing
    its whole value, a list included. Any other composite field costs 1 per object it returns, a leaf 0. Each
    value returned then costs its selection set.
    """

    field_costs: Mapping[str, int]
    """"Type.field" -> cost of resolving it once."""
    list_sizes: Mapping[str, int]
    """"Type.field" -> assumed length of a list field without keys."""
    keyed_lists: Mapping[str, str]
    """"Type.field" -> argument whose list length is the list's length ("Query.vehicles": "vins")."""
    default_list_size: int = 10
    max_keys: int = 100
    """Assumed length of a keyed list given by a variable that is not a list or is absent."""


def default_cost_model(max_keys: int, catalogue_sizes: Mapping[str, int] | None = None) -> CostModel:
    """The weights above; catalogue lists as long as `catalogue_sizes` says (by Query field name, e.g.
    {"markets": 10}), else CATALOGUE_LIST_SIZE: the server knows its catalogue, a bare schema does not."""
    sizes = dict(catalogue_sizes or {})
    unknown = sizes.keys() - set(CATALOGUE_LISTS)
    if unknown:
        raise ValueError(f"not a catalogue list: {', '.join(sorted(unknown))}")
    lists = {f"Query.{name}": sizes.get(name, CATALOGUE_LIST_SIZE) for name in CATALOGUE_LISTS}
    # one offer per sold product of the catalogue
    lists["Vehicle.serviceProducts"] = sizes.get("serviceProducts", CATALOGUE_LIST_SIZE)
    return CostModel(FIELD_COSTS, {**lists, **LIST_SIZES}, KEYED_LISTS, max_keys=max_keys)


def too_costly(cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"The operation costs {cost:,}; at most {max_cost:,} are allowed.",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
    )


Polynomial = dict[tuple[str, ...], int]
"""Sorted names of the list variables multiplied along a path -> coefficient; () is the constant term."""


def _add(total: Polynomial, part: Polynomial, factor: int = 1, variable: str | None = None) -> None:
    """total += part × factor (× the length of `variable`)."""
    for names, coefficient in part.items():
        key = names if variable is None else tuple(sorted((*names, variable)))
        total[key] = total.get(key, 0) + coefficient * factor


@dataclass(frozen=True)
class OperationCost:
    """An operation's cost as a polynomial in the lengths of its keyed-list variables: compiled once per query
    text and operation, evaluated per request in time proportional to its few terms."""

    terms: Mapping[tuple[str, ...], int]
    max_keys: int
    defaults: Mapping[str, int] = field(default_factory=dict)
    """Lengths of the list literals that are the variables' default values."""
    _constant: int = field(init=False, repr=False, compare=False)
    _products: tuple[tuple[int, tuple[str, ...]], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_constant", self.terms.get((), 0))
        products = tuple((c, names) for names, c in self.terms.items() if names and c)
        object.__setattr__(self, "_products", products)

    def evaluate(self, variables: Mapping[str, Any] | None) -> int:
        total = self._constant
        for coefficient, names in self._products:
            product = coefficient
            for name in names:
                if variables is not None and name in variables:
                    value = variables[name]
                    product *= len(value) if isinstance(value, list) else self.max_keys
                else:
                    product *= self.defaults.get(name, self.max_keys)
            total += product
        return total


class _CostWalk:
    """Compiles selection sets to polynomials, each fragment once: linear in the document's size even when
    fragments spread one another many times over, like `limits._ShapeWalk`."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], model: CostModel):
        self.schema = schema
        self.fragments = fragments
        self.model = model
        self.known: dict[str, Polynomial] = {}
        self.visiting: set[str] = set()

    def selections(self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None) -> Polynomial:
        total: Polynomial = {}
        if selection_set is None or not is_composite_type(parent):
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                _add(total, self.field(parent, selection))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                _add(total, self.selections(scope, selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                _add(total, self.fragment(selection.name.value))
        return total

    def field(self, parent: GraphQLCompositeType, node: FieldNode) -> Polynomial:
        name = node.name.value
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        if name.startswith("__") or name not in fields:
            return {}  # introspection is limited elsewhere; unknown fields are reported by validation
        key = f"{parent.name}.{name}"
        output = get_nullable_type(fields[name].type)
        item = get_named_type(output)
        below = self.selections(item, node.selection_set)
        weight = self.model.field_costs.get(key)
        if weight is None and is_composite_type(item):
            below[()] = below.get((), 0) + 1  # each object returned
        total: Polynomial = {(): weight} if weight else {}  # once per parent
        if not is_list_type(output):
            _add(total, below)
        elif key in self.model.keyed_lists:
            self.keyed(total, below, node, self.model.keyed_lists[key])
        else:
            _add(total, below, self.model.list_sizes.get(key, self.model.default_list_size))
        return total

    def keyed(self, total: Polynomial, below: Polynomial, node: FieldNode, argument: str) -> None:
        value = next((a.value for a in node.arguments or () if a.name.value == argument), None)
        if isinstance(value, VariableNode):
            _add(total, below, variable=value.name.value)
        elif isinstance(value, ListValueNode):
            _add(total, below, len(value.values))
        elif value is None:
            _add(total, below, self.model.max_keys)  # a missing argument is reported by validation
        else:
            _add(total, below)  # one value stands for a list of one

    def fragment(self, name: str) -> Polynomial:
        if name in self.known:
            return self.known[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:  # unknown fragments and cycles are reported by validation
            return {}
        self.visiting.add(name)
        scope = self.schema.get_type(definition.type_condition.name.value)
        self.known[name] = self.selections(scope, definition.selection_set)
        self.visiting.discard(name)
        return self.known[name]


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == operation_name), None)


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, model: CostModel
) -> OperationCost:
    """The operation's compiled cost; 0 when the document has no such operation (execution reports it)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return OperationCost({}, model.max_keys)
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    terms = _CostWalk(schema, fragments, model).selections(root, operation.selection_set)
    defaults = {
        v.variable.name.value: len(v.default_value.values)
        for v in operation.variable_definitions or ()
        if isinstance(v.default_value, ListValueNode)
    }
    return OperationCost({names: c for names, c in terms.items() if c}, model.max_keys, defaults)
