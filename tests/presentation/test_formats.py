"""Exact money and quantities as the contract writes them (D19)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from presentation.quote import format_money, format_plain


@pytest.mark.parametrize(
    ("amount", "minor_unit", "text"),
    [("0", 2, "0.00"), ("0", 0, "0"), ("-0.001", 2, "0.00"), ("552.3", 2, "552.30"), ("-0.01", 2, "-0.01"),
     ("5757.5", 0, "5758"), ("1128.224", 2, "1128.22")],
)  # fmt: skip
def test_money_carries_exactly_the_minor_unit(amount: str, minor_unit: int, text: str) -> None:
    assert format_money(Decimal(amount), minor_unit) == text


@pytest.mark.parametrize(
    ("value", "text"), [("50", "50"), ("4.30", "4.3"), ("9.0", "9"), ("0.5", "0.5"), ("15.00", "15"), ("1E+2", "100")]
)
def test_quantities_drop_trailing_zeros(value: str, text: str) -> None:
    assert format_plain(Decimal(value)) == text
