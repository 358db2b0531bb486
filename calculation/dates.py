"""Calendar-month arithmetic with end-of-month clamping (DOMAIN §2.2, §8.3)."""

from __future__ import annotations

import calendar
from datetime import date


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


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
