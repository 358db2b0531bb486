"""Scalars shared by every type: exact decimals as strings, and dates written exactly as YYYY-MM-DD.

A value the scalar refuses is the client's mistake: graphql-core puts the ValueError's sentence, short and ours,
into its validation or variable error next to its own (bounded) echo of the value, so the sentence names no value.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any, NewType

import strawberry
from graphql import StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

DecimalText = NewType("DecimalText", str)
"""An exact decimal already formatted for the contract (money with its minor unit), or a Decimal to format."""

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""date.fromisoformat alone would also take "20250630" and "2025-W26-1"."""


def _serialize(value: Any) -> str:
    # a catalogue Decimal keeps the scale it was written with ("16.90", "0.50")
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _parse(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('a Decimal is written as a string, e.g. "552.30"')
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not number.is_finite():
        raise ValueError("not a finite decimal number")
    return value


LITERALS = {"int_value": "a number", "float_value": "a number", "boolean_value": "a Boolean",
            "enum_value": "an enum value", "list_value": "a list", "object_value": "an object"}  # fmt: skip


def _string_literal(scalar: str, node: ValueNode) -> str:
    """Both scalars are written as string literals; another literal is refused by its kind, without echoing it."""
    if not isinstance(node, StringValueNode):
        raise ValueError(f"a {scalar} is written as a string, not as {LITERALS.get(node.kind, 'this literal')}")
    return node.value


def _parse_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    return _parse(_string_literal("Decimal", node))


DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        "An exact decimal number written as a string, never a binary float. Money carries exactly the "
        'currency\'s minor unit ("552.30"; JPY "9500"); quantities and rates are written as the source states '
        'them ("4.3", "0.081").'
    ),
    serialize=_serialize,
    parse_value=_parse,
    parse_literal=_parse_literal,
)


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError("no such calendar date") from None
    raise ValueError("a Date is written as YYYY-MM-DD")


def _parse_date_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> datetime.date:
    return _parse_date(_string_literal("Date", node))


DATE: ScalarDefinition = strawberry.scalar(
    name="Date",
    description=(
        'A calendar date written exactly as YYYY-MM-DD (ISO 8601, e.g. "2025-06-30"), without time zone: the '
        "workshop's business date."
    ),
    serialize=datetime.date.isoformat,
    parse_value=_parse_date,
    parse_literal=_parse_date_literal,
)

SCALARS: dict[object, ScalarDefinition] = {DecimalText: DECIMAL, datetime.date: DATE}
