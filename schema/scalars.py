"""Scalars shared by every type: exact decimals as strings (dates use GraphQL's ISO-8601 `Date`)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

DecimalText = NewType("DecimalText", str)
"""An exact decimal already formatted for the contract (money with its minor unit), or a Decimal to format."""


def _serialize(value: Any) -> str:
    # a catalogue Decimal keeps the scale it was written with ("16.90", "0.50")
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _parse(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return str(value)


DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        "An exact decimal number written as a string, never a binary float. Money carries exactly the "
        'currency\'s minor unit ("552.30"; JPY "9500"); quantities and rates are written as the source states '
        'them ("4.3", "0.081").'
    ),
    serialize=_serialize,
    parse_value=_parse,
)


def _parse_date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD") from None


DATE: ScalarDefinition = strawberry.scalar(
    name="Date",
    description="A calendar date, ISO-8601 YYYY-MM-DD, without time zone: the workshop's business date.",
    serialize=datetime.date.isoformat,
    parse_value=_parse_date,
)

SCALARS: dict[object, ScalarDefinition] = {DecimalText: DECIMAL, datetime.date: DATE}
