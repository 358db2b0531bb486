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


DATE_OUT_OF_RANGE = "DATE_OUT_OF_RANGE"
INVALID_ODOMETER = "INVALID_ODOMETER"
INVALID_LOOK_AHEAD = "INVALID_LOOK_AHEAD"


class InputError(ValueError):
    """Input the calculation cannot honour: `code` is machine-readable, the message a sentence for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_date(label: str, value: date) -> None:
    """`label` names the date in the message, e.g. "quote date"."""
    if not date_in_range(value):
        raise InputError(
            DATE_OUT_OF_RANGE, f"The {label} {value} is outside the supported range {EARLIEST_DATE} to {LATEST_DATE}."
        )


def check_odometer(value: int) -> None:
    if value < 0:
        raise InputError(INVALID_ODOMETER, f"Odometer {value} is negative.")
    if value > MAX_ODOMETER:
        raise InputError(INVALID_ODOMETER, f"Odometer {value:,} is above the supported maximum of {MAX_ODOMETER:,}.")


def check_look_ahead(kind: str, value: int | None, maximum: int) -> None:
    """`kind` is "days" or "distance"; None means the market's default."""
    if value is None:
        return
    if value < 0:
        raise InputError(INVALID_LOOK_AHEAD, f"Look-ahead {kind} {value} is negative.")
    if value > maximum:
        raise InputError(INVALID_LOOK_AHEAD, f"Look-ahead {kind} {value:,} is above the maximum of {maximum:,}.")
