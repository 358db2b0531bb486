"""Exact money: HALF_UP rounding to a minor unit or a cash step, and up to whole time units (DOMAIN §5.3, D18)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

_QUANTA = {n: Decimal(1).scaleb(-n) for n in range(0, 7)}


def quantum(minor_unit: int) -> Decimal:
    return _QUANTA[minor_unit]


def round_money(amount: Decimal, minor_unit: int) -> Decimal:
    """HALF_UP (away from zero at .5) to the currency's minor unit."""
    return amount.quantize(_QUANTA[minor_unit], rounding=ROUND_HALF_UP)


def round_to_step(amount: Decimal, step: Decimal, minor_unit: int) -> Decimal:
    """Nearest multiple of `step`, HALF_UP (cash rounding, e.g. CHF 0.05)."""
    multiples = (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return round_money(multiples * step, minor_unit)


def ceil_units(amount: Decimal) -> Decimal:
    """Smallest whole number not below `amount` (labour time units, D18)."""
    return amount.quantize(Decimal(1), rounding=ROUND_CEILING)
