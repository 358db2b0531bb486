"""Generated requests from the served schema, valid and invalid, and what every answer to them must look like.

Documents come from hypothesis-graphql (queries and mutations, with strategies for the custom scalars that write
both good and bad literals); some VINs, odometers and look-aheads are replaced by realistic ones so that the
calculation runs too. Invalid documents are hypothesis-graphql's negative mode (one schema violation each) and
valid documents mutated as text (truncated, spliced with random text, literals swapped). Variables are fuzzed
through a few operations that take every input type as a variable. Shared by tests/api/test_fuzz.py and
bench/fuzz.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from calculation.bounds import EARLIEST_DATE, LATEST_DATE, MAX_LOOK_AHEAD_DAYS, MAX_LOOK_AHEAD_DISTANCE, MAX_ODOMETER
from http_api.executable_schema import build_schema

SCHEMA = build_schema()._schema
KNOWN_VINS = ("WXVZZZB8ZME456992", "TXNZZZS1ZSK257787", "1XVDL2SC1HC654745", "LXAFX2UJ9PF489765")
"""Vehicles of the test data set (seed 42, 120 vehicles) in four markets, so that resolvers and the calculation run."""
INT32 = 2**31 - 1
# what a client must never see: a Python trace, an exception's repr, an object's address
LEAKS = re.compile(r"Traceback|File \"|\w+(Error|Exception)\(|object at 0x")
MESSAGE_MAX = 600
"""No message is longer: echoed input is cut to a short prefix."""

Request = dict[str, Any]

# --- scalar values ------------------------------------------------------------------------------------------

_in_range = st.dates(EARLIEST_DATE, LATEST_DATE).map(date.isoformat)
_edges = st.sampled_from([
    EARLIEST_DATE, LATEST_DATE, EARLIEST_DATE - timedelta(days=1), LATEST_DATE + timedelta(days=1),
    date.min, date.max, date(2025, 6, 30),
]).map(date.isoformat)  # fmt: skip
_lookalikes = st.sampled_from([
    "20250630", "2025-W26-1", "2025-181", "2025-02-30", "2025-13-01", "0000-01-01", "2025-6-30", " 2025-06-30",
    "2025-06-30T00:00:00", "2025-06-30Z", "+2025-06-30", "２０２５-０６-３０", "", "x" * 5000,
])  # fmt: skip
_recent = st.dates(date(2015, 1, 1), date.today()).map(date.isoformat)
DATES = st.one_of(_recent, _recent, _recent, _in_range, _edges, _lookalikes, st.text(max_size=30))
"""Date strings: mostly recent (so that events can be recorded), anywhere in range, at and past the supported edges
and date's own, look-alikes, any text."""

DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e999999999", "1_000", "0x10", "", "9" * 5000]),
    st.text(max_size=30),
)
ODOMETERS = st.one_of(
    st.integers(0, MAX_ODOMETER), st.sampled_from([-1, MAX_ODOMETER, MAX_ODOMETER + 1, INT32, -INT32 - 1])
)
LOOK_AHEAD_DAYS = st.one_of(st.integers(0, MAX_LOOK_AHEAD_DAYS), st.sampled_from([-1, MAX_LOOK_AHEAD_DAYS + 1, INT32]))
LOOK_AHEAD_DISTANCE = st.one_of(
    st.integers(0, MAX_LOOK_AHEAD_DISTANCE), st.sampled_from([-1, MAX_LOOK_AHEAD_DISTANCE + 1, INT32])
)


def _other_literals() -> st.SearchStrategy[graphql.ValueNode]:
    """Literals of the wrong kind for a string scalar."""
    return st.one_of(
        st.integers(-(2**40), 2**40).map(lambda n: graphql.IntValueNode(value=str(n))),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: graphql.FloatValueNode(value=repr(x))),
        st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
        st.just(graphql.EnumValueNode(value="RETAIL")),
        st.just(graphql.ListValueNode(values=(graphql.StringValueNode(value="2025-06-30"),))),
        st.just(graphql.ObjectValueNode(fields=())),
    )


def _string_literals(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    strings: st.SearchStrategy[graphql.ValueNode] = values.map(lambda s: graphql.StringValueNode(value=s))
    return st.one_of(*[strings] * 7, _other_literals())


CUSTOM_SCALARS = {"Date": _string_literals(DATES), "Decimal": _string_literals(DECIMALS)}

# --- documents ----------------------------------------------------------------------------------------------


def _int(value: int) -> graphql.IntValueNode:
    return graphql.IntValueNode(value=str(value))


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _realistic(draw: st.DrawFn, document: graphql.DocumentNode, vins: Sequence[str]) -> graphql.DocumentNode:
    """The document with its VINs, odometers and look-aheads replaced by known VINs and values around the bounds."""
    replacements: dict[str, Callable[[], graphql.ValueNode]] = {
        "vin": lambda: _string(draw(st.sampled_from(vins))),
        "vins": lambda: graphql.ListValueNode(
            values=tuple(_string(v) for v in draw(st.lists(st.sampled_from(vins), max_size=3)))
        ),
        "odometer": lambda: _int(draw(ODOMETERS)),
        "lookAheadDays": lambda: _int(draw(LOOK_AHEAD_DAYS)),
        "lookAheadDistance": lambda: _int(draw(LOOK_AHEAD_DISTANCE)),
    }

    class Realistic(graphql.Visitor):
        def leave_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
            return self._replaced(node)

        def leave_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
            return self._replaced(node)

        @staticmethod
        def _replaced(node: graphql.ArgumentNode | graphql.ObjectFieldNode) -> Any:
            make = replacements.get(node.name.value)
            if make is None or isinstance(node.value, graphql.VariableNode):
                return None
            return node.__class__(name=node.name, value=make())

    changed: graphql.DocumentNode = graphql.visit(document, Realistic())
    return changed


@st.composite
def _generated(draw: st.DrawFn, mode: Mode, vins: Sequence[str]) -> str:
    document: graphql.DocumentNode = draw(
        from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=mode, print_ast=lambda node: node)
    )
    if draw(st.integers(0, 3)):  # mostly: known vehicles, so that resolvers and the calculation run
        document = _realistic(draw, document, vins)
    return graphql.print_ast(document)


@st.composite
def _mutated(draw: st.DrawFn, valid: st.SearchStrategy[str]) -> str:
    """A valid document broken as text: truncated, spliced, a string literal turned into another literal."""
    text = draw(valid)
    at = draw(st.integers(1, len(text)))
    end = draw(st.integers(at, len(text)))
    kind = draw(st.sampled_from(["truncate", "insert", "replace", "literal", "unknown field", "repeat"]))
    if kind == "truncate":
        return text[:at]
    if kind == "insert":
        return text[:at] + draw(st.text(min_size=1, max_size=20)) + text[at:]
    if kind == "replace":
        token = draw(st.sampled_from(["{", "}", "(", ")", ":", '"', "$x", "...", "@skip", "null"]))
        return text[:at] + token + text[end:]
    if kind == "literal":
        other = draw(st.sampled_from(["12", "-1.5e400", "true", "null", "[]", "{}", "RETAIL", '""', "99999999999"]))
        return re.sub(r'"(?:[^"\\]|\\.)*"', other, text, count=draw(st.integers(1, 3)))
    if kind == "unknown field":
        return text.replace("{", "{ noSuchField ", 1)
    return text[:end] + text[at:end] * draw(st.integers(2, 50)) + text[end:]


def documents(vins: Sequence[str]) -> st.SearchStrategy[str]:
    """Queries and mutations: valid, with one schema violation, broken as text, or any text at all."""
    valid = _generated(Mode.POSITIVE, vins)
    return st.one_of(
        valid, valid, _generated(Mode.NEGATIVE, vins), _mutated(valid), st.text(min_size=1, max_size=200)
    )


# --- variables ----------------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
OPERATIONS = {
    "due": "query($vin: String!, $input: DueInput!) { vehicle(vin: $vin) { dueServices(input: $input) "
    "{ item { code } status triggers dueDate dueOdometer } } }",
    "quote": "query($vin: String!, $input: QuoteInput!) { vehicle(vin: $vin) { serviceQuote(input: $input) "
    "{ dueItems { status } positions { ref net } totals { payable } warnings { code } } } }",
    "products": "query($vin: String!, $date: Date!, $odometer: Int!) { vehicle(vin: $vin) { "
    "serviceProducts(purchaseDate: $date, odometer: $odometer) { product { code } eligibility { eligible } } } }",
    "record": "mutation($input: ServiceEventInput!, $key: String) { recordServiceEvent(input: $input, "
    "idempotencyKey: $key) { id date odometer plausibility } }",
    "archive": "mutation($vin: String!, $input: QuoteInput!) { archiveServiceQuote(vin: $vin, input: $input) { id } }",
    "archived": "query($id: String!) { archivedQuote(id: $id) { vin } }",
    "vehicles": "query($vins: [String!]!) { vehicles(vins: $vins) { vin } }",
}


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a well-typed value, sometimes any JSON value."""
    return st.one_of(value, value, value, JSON)


def _input(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    required = {name for name in fields if name in ("quoteDate", "odometer", "vin", "date")}
    chosen = st.fixed_dictionaries(
        {name: _maybe(value) for name, value in fields.items() if name in required},
        optional={name: _maybe(value) for name, value in fields.items() if name not in required},
    )
    return _maybe(chosen)


def variables(vins: Sequence[str]) -> st.SearchStrategy[Request]:
    """One of OPERATIONS with generated variables: well-typed values around the bounds, and any JSON."""
    vin = st.one_of(st.sampled_from(vins), st.text(max_size=20), st.just("W" * 5000))
    items = st.lists(st.sampled_from(["POLLEN_FILTER", "OIL_SVC_FIXED", "TECH_CAMPAIGN", "WIPER_BLADES", "NOPE"]))
    due = {"quoteDate": DATES, "odometer": ODOMETERS, "includeRecommended": items, "includeStatutory": st.booleans(),
           "lookAheadDays": LOOK_AHEAD_DAYS, "lookAheadDistance": LOOK_AHEAD_DISTANCE}  # fmt: skip
    quote = {"quoteDate": DATES, "odometer": ODOMETERS, "includeRecommended": items,
             "customerGroup": st.sampled_from(["RETAIL", "FLEET", "STAFF", "VIP"])}  # fmt: skip
    event = {"vin": vin, "date": DATES, "odometer": ODOMETERS, "workshopCode": st.text(max_size=10),
             "authorisedWorkshop": st.booleans(), "itemCodes": items, "note": st.text(max_size=30)}  # fmt: skip
    values = {
        "due": st.fixed_dictionaries({"vin": _maybe(vin), "input": _input(due)}),
        "quote": st.fixed_dictionaries({"vin": _maybe(vin), "input": _input(quote)}),
        "products": st.fixed_dictionaries({"vin": _maybe(vin), "date": _maybe(DATES), "odometer": _maybe(ODOMETERS)}),
        "record": st.fixed_dictionaries({"input": _input(event)}, optional={"key": _maybe(st.text(max_size=5))}),
        "archive": st.fixed_dictionaries({"vin": _maybe(vin), "input": _input(quote)}),
        "archived": st.fixed_dictionaries({"id": _maybe(st.text(alphabet="0123456789abcdef", min_size=64))}),
        "vehicles": st.fixed_dictionaries({"vins": _maybe(st.lists(vin, max_size=5))}),
    }
    return st.sampled_from(sorted(OPERATIONS)).flatmap(
        lambda name: values[name].map(lambda v: {"query": OPERATIONS[name], "variables": v})
    )


def requests(vins: Sequence[str]) -> st.SearchStrategy[Request]:
    """A request body: a generated document (no variables), or a fixed operation with generated variables."""
    return st.one_of(documents(vins).map(lambda query: {"query": query}), variables(vins))


# --- answers ------------------------------------------------------------------------------------------------


def problems(status: int, body: bytes) -> list[str]:
    """What is wrong with an answer; empty when it is a clean answer or a clean, coded refusal."""
    found = []
    if status >= 500:
        found.append(f"HTTP {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        return [*found, f"not JSON: {body[:200]!r}"]
    if not isinstance(answer, dict) or not ({"data", "errors"} & answer.keys()):
        found.append(f"not a GraphQL response: {body[:200]!r}")
        return found
    for error in answer.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None:
            found.append(f"an error without a code: {error}")
        elif code == "INTERNAL":
            found.append(f"INTERNAL: {error}")
        if len(error.get("message", "")) > MESSAGE_MAX:
            found.append(f"a message of {len(error['message'])} characters: {error['message'][:200]!r}")
    leak = LEAKS.search(body.decode(errors="replace"))
    if leak:
        found.append(f"exception text {leak[0]!r} in {body[:300]!r}")
    return found


def codes(body: bytes) -> list[str]:
    """The error codes of an answer (for counting); "-" for one that is not a GraphQL response."""
    try:
        answer = json.loads(body)
        return [(e.get("extensions") or {}).get("code", "-") for e in answer.get("errors") or []]
    except (ValueError, AttributeError):
        return ["-"]
