"""The odometer plausibility of DOMAIN §7.4 rule 2 as decided by D9 and D12: one home for the import, the quote and
the recording of events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from calculation.records import ServiceEvent

ROLLBACK_TOLERANCE = 50  # D12: readings may differ by this much (km or mi) before one counts as lower
MAX_DISTANCE_PER_DAY = {"KM": 1500, "MI": 932}  # D12
OK, ROLLBACK, OUTLIER = "OK", "ROLLBACK", "OUTLIER"


def is_rollback(odometer: int, reference: int) -> bool:
    """D12: a reading lower than the reference by more than the tolerance."""
    return odometer < reference - ROLLBACK_TOLERANCE


def _reading_order(event: ServiceEvent) -> tuple[date, int, str, tuple[str, ...]]:
    # source refs only separate unmerged DMS events that share an eventId
    return (event.date, event.odometer, event.event_id, event.source_refs)


def check_odometers(events: Sequence[ServiceEvent], handover: date, unit: str) -> list[ServiceEvent]:
    """D12 flags and the D9 effective odometer for one vehicle's merged events, oldest first."""
    ordered = sorted(events, key=_reading_order)
    limit = MAX_DISTANCE_PER_DAY[unit]
    reference = (handover, 0)  # the virtual reading at handover
    flags = []
    for event in ordered:
        reference_date, reference_odometer = reference
        days = (event.date - reference_date).days
        if is_rollback(event.odometer, reference_odometer):
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


def _last_plausible(readings: Sequence[tuple[date, int]], on: date) -> int:
    """D9: the odometer of the last plausible reading on or before `on` (the virtual handover reading at least)."""
    odometer = readings[0][1]
    for when, value in readings:
        if when > on:
            break
        odometer = value
    return odometer
