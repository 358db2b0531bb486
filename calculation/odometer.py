"""Odometer plausibility (DOMAIN §7.4 rule 2, D9, D12): the flags, the tolerance and the rule that sets them.

The import flags the merged history with it, the mutation a recorded event, and the quote warns by the same
tolerance (D19): one rule, so that the three can never disagree about what counts as lower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from calculation.records import ServiceEvent

OK, ROLLBACK, OUTLIER = "OK", "ROLLBACK", "OUTLIER"
ROLLBACK_TOLERANCE = 50
"""Km or mi a reading may lie below the last plausible one before it counts as lower (D12, D19)."""
MAX_DISTANCE_PER_DAY = {"KM": 1500, "MI": 932}
"""Above this implied daily distance since the last plausible reading a reading is an OUTLIER (D12)."""


def rolls_back(reading: int, reference: int) -> bool:
    """Whether `reading` is more than the tolerance below the plausible `reference`."""
    return reading < reference - ROLLBACK_TOLERANCE


def check_odometers(events: Sequence[ServiceEvent], handover: date, unit: str) -> list[ServiceEvent]:
    """D12 flags and the D9 effective odometer for one vehicle's merged events, oldest first."""
    ordered = sorted(events, key=_reading_order)
    limit = MAX_DISTANCE_PER_DAY[unit]
    reference = (handover, 0)  # the virtual reading at handover
    flags = []
    for event in ordered:
        reference_date, reference_odometer = reference
        days = (event.date - reference_date).days
        if rolls_back(event.odometer, reference_odometer):
            flags.append(ROLLBACK)
            continue
        # same-day readings are never OUTLIER; Δodometer/Δdays > limit compared in whole numbers
        flags.append(OUTLIER if days >= 1 and event.odometer - reference_odometer > limit * days else OK)
        reference = (event.date, event.odometer)
    plausible = [(handover, 0)] + [(e.date, e.odometer) for e, f in zip(ordered, flags, strict=True) if f != ROLLBACK]
    return [
        replace(event, plausibility=flag, effective_odometer=_last_plausible(plausible, event.date))
        if flag == ROLLBACK
        else replace(event, plausibility=flag, effective_odometer=event.odometer)
        for event, flag in zip(ordered, flags, strict=True)
    ]


def _reading_order(event: ServiceEvent) -> tuple[date, int, str, tuple[str, ...]]:
    # D12's (date, odometer, eventId); source refs only separate unmerged DMS events that share an eventId
    return (event.date, event.odometer, event.event_id, event.source_refs)


def _last_plausible(readings: Sequence[tuple[date, int]], on: date) -> int:
    """D9: the odometer of the last plausible reading on or before `on` (the virtual handover reading at least)."""
    odometer = readings[0][1]
    for when, value in readings:
        if when > on:
            break
        odometer = value
    return odometer
