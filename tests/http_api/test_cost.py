"""The static cost of an operation: objects count 1, calculations their weight, lists multiply, keyed lists by the
number of keys given; compiled once, evaluated per request with its variables."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pytest
from graphql import GraphQLSchema, parse

from bench.validation import SHOP, VIN, doubling
from config import QueryLimits
from http_api.cost import (
    CostModel,
    OperationCost,
    default_cost_model,
    operation_cost,
    too_costly,
)
from http_api.document_cache import DocumentCache
from http_api.executable_schema import build_schema
from http_api.limits import schema_rules

CATALOGUE = {"markets": 10, "brands": 8, "serviceProducts": 6}
QUOTE = 'input: {quoteDate: "2025-06-30", odometer: 75000}'
VINS = "[" + ", ".join([f'"{VIN}"'] * 100) + "]"


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def compiled(
    schema: GraphQLSchema, query: str, operation_name: str | None = None, model: CostModel | None = None
) -> OperationCost:
    return operation_cost(schema, parse(query), operation_name, model or default_cost_model(100, CATALOGUE))


def cost(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    model: CostModel | None = None,
) -> int:
    return compiled(schema, query, operation_name, model).evaluate(variables)


def test_an_object_costs_1_and_a_leaf_nothing(schema: GraphQLSchema) -> None:
    assert cost(schema, f'{{ vehicle(vin: "{VIN}") {{ vin modelYear equipmentCodes }} }}') == 1
    # the vehicle, its brand, its model
    assert cost(schema, f'{{ vehicle(vin: "{VIN}") {{ vin brand {{ code }} model {{ code name }} }} }}') == 3


def test_a_catalogue_list_is_as_long_as_the_catalogue_says_else_conservative(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ markets { code } }") == 10
    assert cost(schema, "{ markets { code } }", model=default_cost_model(100)) == 100
    with pytest.raises(ValueError, match="not a catalogue list: vehicles"):
        default_cost_model(100, {"vehicles": 3})


def test_a_keyed_list_counts_its_literal_keys(schema: GraphQLSchema) -> None:
    # 3 vehicles × (the vehicle + its brand)
    assert cost(schema, '{ vehicles(vins: ["a", "b", "c"]) { vin brand { code } } }') == 6
    # one value stands for a list of one
    assert cost(schema, '{ vehicles(vins: "a") { vin brand { code } } }') == 2


def test_a_keyed_list_given_by_a_variable_costs_what_the_request_sends(schema: GraphQLSchema) -> None:
    query = "query($v: [String!]!) { vehicles(vins: $v) { vin brand { code } } }"
    once = compiled(schema, query)
    assert once.evaluate({"v": ["a"] * 4}) == 8
    assert once.evaluate({"v": []}) == 0
    assert once.evaluate({"v": ["a"] * 100}) == 200
    # missing, null or not a list: max_keys
    assert once.evaluate({}) == 200
    assert once.evaluate(None) == 200
    assert once.evaluate({"v": None}) == 200
    assert once.evaluate({"v": "a"}) == 200
    assert compiled(schema, query, model=default_cost_model(7)).evaluate(None) == 14


def test_a_missing_variable_with_a_default_list_counts_the_default(schema: GraphQLSchema) -> None:
    once = compiled(schema, 'query($v: [String!]! = ["a", "b"]) { vehicles(vins: $v) { brand { code } } }')
    assert once.evaluate({}) == 4
    assert once.evaluate({"v": ["a"]}) == 2


def test_two_keyed_lists_each_count_their_own_variable(schema: GraphQLSchema) -> None:
    query = (
        "query($a: [String!]!, $b: [String!]!) { x: vehicles(vins: $a) { vin } "
        "y: vehicles(vins: $b) { brand { code } } }"
    )
    once = compiled(schema, query)
    assert once.evaluate({"a": [1, 2], "b": [1, 2, 3]}) == 2 * 1 + 3 * 2
    assert once.evaluate({"a": [1], "b": []}) == 1


def test_nested_lists_multiply(schema: GraphQLSchema) -> None:
    # per vehicle: itself + 20 events × (the event + 5 items)
    query = '{ vehicles(vins: ["a", "b"]) { serviceEvents { date items { code } } } }'
    assert cost(schema, query) == 2 * (1 + 20 * (1 + 5))
    by_variable = "query($v: [String!]!) { vehicles(vins: $v) { serviceEvents { date items { code } } } }"
    assert cost(schema, by_variable, {"v": ["a", "b", "c"]}) == 3 * 121
    plain = CostModel(field_costs={}, list_sizes={}, keyed_lists={}, default_list_size=3)
    assert cost(schema, "{ engines { code oilNorms { code } } }", model=plain) == 3 * (1 + 3 * 1)


def test_a_calculation_costs_its_weight_once_per_parent_and_its_items_their_selections(schema: GraphQLSchema) -> None:
    def on_vehicle(selection: str) -> int:
        return cost(schema, f'{{ vehicle(vin: "{VIN}") {{ {selection} }} }}')

    # vehicle 1 + quote 50 (its own object included) + 15 positions + 3 totals
    assert on_vehicle(f"serviceQuote({QUOTE}) {{ currency positions {{ pos }} totals {{ net }} }}") == 69
    # vehicle 1 + due evaluation 20 (the due items included) + 25 items × their item type 1
    assert on_vehicle(f"dueServices({QUOTE}) {{ status item {{ code }} }}") == 46
    # vehicle 1 + oil 5 + 5 norms + the selected product 1
    assert on_vehicle("requiredOil { viscosities norms { code } selectedProduct { code } }") == 12
    # vehicle 1 + eligibility 10 (the offers included) + 6 offers, one per product of the catalogue,
    # × (product + eligibility)
    offers = 'serviceProducts(purchaseDate: "2025-06-30", odometer: 1) { product { code } eligibility { eligible } }'
    assert on_vehicle(offers) == 1 + 10 + 6 * 2


def test_mutations_cost_their_weight(schema: GraphQLSchema) -> None:
    archive = f'mutation {{ archiveServiceQuote(vin: "{VIN}", {QUOTE}) {{ id quote {{ positions {{ pos }} }} }} }}'
    assert cost(schema, archive) == 60 + 1 + 15
    record = (
        f'mutation {{ recordServiceEvent(input: {{vin: "{VIN}", date: "2025-06-30", odometer: 1, workshopCode: "W", '
        'authorisedWorkshop: true, itemCodes: ["OIL"]}) { id items { code } } }'
    )
    assert cost(schema, record) == 20 + 5


def test_fragments_and_inline_fragments_add_their_selections(schema: GraphQLSchema) -> None:
    query = (
        f'{{ vehicle(vin: "{VIN}") {{ ...V ... on Vehicle {{ model {{ code }} }} ... {{ market {{ code }} }} }} }} '
        "fragment V on Vehicle { brand { code } }"
    )
    assert cost(schema, query) == 4
    # V = brand 1 + engine 1 + 5 norms, spread on two vehicles
    twice = (
        f'{{ a: vehicle(vin: "{VIN}") {{ ...V }} b: vehicle(vin: "{VIN}") {{ ...V }} }} '
        "fragment V on Vehicle { brand { code } engine { oilNorms { code } } }"
    )
    assert cost(schema, twice) == 2 * (1 + 7)


def test_doubling_fragments_compile_in_linear_time_and_cost_every_spread(schema: GraphQLSchema) -> None:
    """Each fragment walked once, but the executor would resolve `markets` 2^30 times over: so does the cost."""
    document = parse(doubling(30))
    started = time.perf_counter()
    once = operation_cost(schema, document, None, default_cost_model(100, CATALOGUE))
    assert time.perf_counter() - started < 0.5
    assert once.evaluate(None) == 10 * 2**30
    assert once.evaluate(None) > QueryLimits().max_cost


def test_cycles_unknown_fragments_and_unknown_fields_cost_nothing(schema: GraphQLSchema) -> None:
    cycle = "{ ...A } fragment A on Query { markets { code } ...B } fragment B on Query { ...A }"
    assert cost(schema, cycle) == 10
    assert cost(schema, "{ ...Nope markets { code } nope { deeper { still } } }") == 10


def test_aliases_count_separately(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ a: markets { code } b: markets { code } markets { name } }") == 30


def test_the_operation_is_chosen_by_name_or_is_the_only_one(schema: GraphQLSchema) -> None:
    two = "query A { markets { code } } query B { brands { code } }"
    assert cost(schema, two, operation_name="A") == 10
    assert cost(schema, two, operation_name="B") == 8
    assert cost(schema, two) == 0  # ambiguous: execution reports it
    assert cost(schema, two, operation_name="C") == 0
    assert cost(schema, "query A { brands { code } }") == 8
    assert cost(schema, "fragment F on Query { brands { code } }") == 0


def test_introspection_costs_nothing(schema: GraphQLSchema) -> None:
    query = '{ __typename __schema { types { name fields { name type { name } } } } __type(name: "Vehicle") { name } }'
    assert cost(schema, query) == 0
    assert cost(schema, "{ markets { __typename code } }") == 10


def test_the_shop_query_is_admitted_and_29_quotes_of_100_vehicles_refused(schema: GraphQLSchema) -> None:
    """Per vehicle of SHOP: itself 1, brand 1, model 1, engine 1 + 5 norms, market 1, 20 events × (1 + 5 items),
    5 contracts, 5 campaigns, the quote 50 + 15 positions + 3 totals = 208."""
    model = default_cost_model(QueryLimits().max_keys)
    shop = operation_cost(schema, parse(SHOP), None, model).evaluate(None)
    assert shop == 100 * 208 <= QueryLimits().max_cost
    quotes = " ".join(
        f'q{i}: serviceQuote(input: {{quoteDate: "2025-06-30", odometer: {i}}}) '
        "{ currency positions { pos ref net } totals { payer payable } }"
        for i in range(29)
    )
    heavy = operation_cost(schema, parse(f"{{ vehicles(vins: {VINS}) {{ {quotes} }} }}"), None, model).evaluate({})
    assert heavy == 100 * (1 + 29 * (50 + 15 + 3)) > QueryLimits().max_cost


def test_the_error_says_the_cost_and_the_budget() -> None:
    error = too_costly(61_200, 20_000)
    assert error.message == "The operation costs 61,200; at most 20,000 are allowed."
    assert error.extensions == {"code": "QUERY_TOO_COSTLY", "cost": 61_200, "maxCost": 20_000}


def test_the_document_cache_compiles_a_cost_once_per_query_and_operation(schema: GraphQLSchema) -> None:
    cache = DocumentCache(QueryLimits(max_keys=50), schema_rules(production=False))
    cache.schema = schema
    query = "query A($v: [String!]!) { vehicles(vins: $v) { vin } } query B { markets { code } }"
    first = cache.cost(query, "A")
    assert cache.cost(query, "A") is first
    assert first.evaluate({"v": ["a", "b"]}) == 2
    assert first.evaluate({}) == 50  # the limits' max_keys
    assert cache.cost(query, "B").evaluate(None) == 100
    assert cache.parse.cache_info().misses == 1
    assert cache.validate(query) == ()
    own = DocumentCache(QueryLimits(), schema_rules(production=False), cost_model=default_cost_model(100, CATALOGUE))
    own.schema = schema
    assert own.cost(query, "B").evaluate(None) == 10
