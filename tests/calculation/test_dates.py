"""Calendar months with end-of-month clamping (§8.3)."""

from __future__ import annotations

import calendar
from datetime import date

import pytest

from calculation.dates import add_months, age_months, last_day_of_month


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
        (date(2020, 2, 29), 24, date(2022, 2, 28)),
        (date(2020, 2, 29), 48, date(2024, 2, 29)),
        (date(2022, 3, 15), 24, date(2024, 3, 15)),
        (date(2019, 12, 31), 2, date(2020, 2, 29)),
        (date(2019, 11, 30), 14, date(2021, 1, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2022, 3, 15), date(2024, 3, 4), 23),  # example 1
        (date(2019, 5, 20), date(2024, 5, 6), 59),  # example 2
        (date(2023, 2, 10), date(2025, 2, 3), 23),  # example 3
        (date(2020, 1, 31), date(2020, 2, 29), 1),
        (date(2020, 1, 31), date(2020, 2, 28), 0),
        (date(2024, 5, 6), date(2024, 5, 1), 0),
    ],
)
def test_age_months_is_the_largest_whole_month_count(start: date, end: date, months: int) -> None:
    assert age_months(start, end) == months


def test_the_last_day_of_every_month_agrees_with_the_calendar_module() -> None:
    assert [last_day_of_month(y, m) for y in range(1, 10000) for m in range(1, 13)] == [
        calendar.monthrange(y, m)[1] for y in range(1, 10000) for m in range(1, 13)
    ]
