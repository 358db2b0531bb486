"""The ranges the calculation supports: every input and every imported value is checked against these."""

from __future__ import annotations

from datetime import date

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
"""Dates outside these are refused at the edge: interval and look-ahead arithmetic then never leaves `date`'s range."""

MAX_ODOMETER = 9_999_999
"""A seven-digit odometer: well inside GraphQL's 32-bit Int, and beyond any real vehicle's reading."""

MAX_LOOK_AHEAD_DAYS = 3660
"""Ten years of look-ahead."""

MAX_LOOK_AHEAD_DISTANCE = 1_000_000
"""In the market's distance unit."""


def date_in_range(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE
