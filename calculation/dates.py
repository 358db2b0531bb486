"""Calendar-month arithmetic with end-of-month clamping (DOMAIN §2.2, §8.3)."""

from __future__ import annotations

from datetime import date

# a table rather than calendar.monthrange, which also works out the weekday: every due date passes here
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def last_day_of_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return DAYS_IN_MONTH[month - 1]


def add_months(d: date, months: int) -> date:
    """d plus n calendar months; a day missing in the target month becomes that month's last day."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, last_day_of_month(year, month)))


def end_of_month(d: date) -> date:
    return d.replace(day=last_day_of_month(d.year, d.month))


def age_months(start: date, end: date) -> int:
    """The largest k with add_months(start, k) <= end; 0 when end is before start."""
    if end < start:
        return 0
    k = (end.year - start.year) * 12 + (end.month - start.month)
    while k > 0 and add_months(start, k) > end:
        k -= 1
    return k
