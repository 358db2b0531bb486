"""The merge rules of DOMAIN §7.4 as decided by D9–D11 and D14: one prepared view from all accepted raw records.

The merged history is flagged by the odometer rule of D12 (`calculation.odometer`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from calculation.odometer import check_odometers
from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle
from catalog import Catalog
from preparation.raw import DSS, REG, VMS, Key, RawEvent, RawVehicle
from preparation.validation import OTHER, TECH_CAMPAIGN

HANDOVER_FALLBACK = timedelta(days=30)  # D14
DUPLICATE_MAX_DAYS = 1  # §7.4 rule 1
DUPLICATE_MAX_DISTANCE = 50  # §7.4 rule 1, km or mi
COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class PreparedView:
    """The records the store serves, plus the raw records that were folded into another source's record."""

    vehicles: tuple[Vehicle, ...]
    events: tuple[ServiceEvent, ...]
    contracts: tuple[ServiceContract, ...]
    campaign_vehicles: tuple[CampaignVehicle, ...]
    merged: frozenset[Key]


def combine_vehicle_records(vms: RawVehicle | None, reg: RawVehicle | None) -> RawVehicle:
    """D14: field by field VMS wins where it has a value, REG fills the rest; a missing handover becomes
    production + 30 days."""
    sources = [r for r in (vms, reg) if r is not None]
    values: dict[str, Any] = {}
    for field in fields(RawVehicle):
        values[field.name] = next((v for r in sources if (v := getattr(r, field.name)) is not None), None)
    combined = RawVehicle(**values)
    if combined.handover_date is None and combined.production_date is not None:
        combined = replace(combined, handover_date=combined.production_date + HANDOVER_FALLBACK)
    return combined


def match_duplicates(dss: Sequence[RawEvent], dms: Sequence[RawEvent]) -> list[tuple[RawEvent, RawEvent]]:
    """D11: DSS–DMS pairs of one VIN within 1 day and 50 distance units, matched one-to-one in ascending
    (|Δdate|, |Δodometer|, DSS eventId, DMS eventId); each record is used at most once."""
    candidates = []
    for a in dss:
        for b in dms:
            days, distance = abs((a.date - b.date).days), abs(a.odometer - b.odometer)
            if days <= DUPLICATE_MAX_DAYS and distance <= DUPLICATE_MAX_DISTANCE:
                # the keys break ties between DMS records that share an eventId, whatever the input order
                candidates.append(((days, distance, a.event_id, b.event_id, b.key), a, b))
    used: set[Key] = set()
    pairs = []
    for _, a, b in sorted(candidates, key=lambda c: c[0]):
        if a.key not in used and b.key not in used:
            used.update((a.key, b.key))
            pairs.append((a, b))
    return pairs


def _items(sources: Sequence[RawEvent], catalog: Catalog) -> tuple[EventItem, ...]:
    """D11 union by item code (performed if either says so); D9 keeps only performed items.

    Unmapped DMS lines stay apart by their text and campaign items by their campaign.
    """
    union: dict[tuple[str, str | None], tuple[bool, str | None]] = {}
    for event in sources:
        for item in event.items:
            distinct = item.text if item.code == OTHER else item.campaign_code if item.code == TECH_CAMPAIGN else None
            performed, campaign = union.get((item.code, distinct), (False, None))
            union[(item.code, distinct)] = (performed or item.performed, campaign or item.campaign_code)
    unmapped = len(catalog.service_items) + 1

    def order(key: tuple[str, str | None]) -> tuple[int, str]:
        code, distinct = key
        item = catalog.service_items.get(code)
        return (item.seq if item is not None else unmapped, distinct or "")

    performed_items = []
    for code, distinct in sorted(union, key=order):
        performed, campaign = union[(code, distinct)]
        if performed:
            note = distinct if code == OTHER else None
            performed_items.append(EventItem(code=code, performed=True, campaign_code=campaign, note=note))
    return tuple(performed_items)


def _event(dss: RawEvent | None, dms: RawEvent | None, catalog: Catalog) -> ServiceEvent:
    """A merged event keeps the DSS identity, date, odometer and workshop and takes the invoice from DMS (D11)."""
    sources = [e for e in (dss, dms) if e is not None]
    lead = sources[0]
    return ServiceEvent(
        event_id=lead.event_id, vin=lead.vin, date=lead.date, odometer=lead.odometer,
        workshop_code=lead.workshop_code, authorised_workshop=lead.authorised_workshop,
        source_systems=tuple(e.source_system for e in sources), source_refs=tuple(e.source_ref for e in sources),
        items=_items(sources, catalog), invoice_total=sources[-1].invoice_total, currency=sources[-1].currency,
    )  # fmt: skip


def complete_campaigns(
    campaigns: Iterable[CampaignVehicle], events: Mapping[str, Sequence[ServiceEvent]]
) -> list[CampaignVehicle]:
    """D10: a performed TECH_CAMPAIGN item of the campaign in any merged event completes the assignment
    (the first such event, oldest first); otherwise the TCS status stays."""
    result = []
    for assignment in campaigns:
        completing = next(
            (
                e
                for e in events.get(assignment.vin, ())
                if any(i.code == TECH_CAMPAIGN and i.campaign_code == assignment.campaign_code for i in e.items)
            ),
            None,
        )
        if completing is not None:
            assignment = replace(assignment, status=COMPLETED, completed_event_id=completing.event_id)
        result.append(assignment)
    return result


def prepare(
    master: Mapping[str, Vehicle],
    vehicle_records: Iterable[RawVehicle],
    events: Iterable[RawEvent],
    contracts: Iterable[ServiceContract],
    campaigns: Iterable[CampaignVehicle],
    catalog: Catalog,
) -> PreparedView:
    """Recomputes the whole prepared view from every accepted raw record (so delivery order never matters)."""
    sources_by_vin: dict[str, set[str]] = {}
    for record in vehicle_records:
        sources_by_vin.setdefault(record.vin, set()).add(record.source_system)
    merged: set[Key] = {(vin, REG) for vin, sources in sources_by_vin.items() if {VMS, REG} <= sources}

    by_vin: dict[str, tuple[list[RawEvent], list[RawEvent]]] = {}
    for event in events:
        dss, dms = by_vin.setdefault(event.vin, ([], []))
        (dss if event.source_system == DSS else dms).append(event)
    prepared_events: dict[str, list[ServiceEvent]] = {}
    for vin, (dss, dms) in by_vin.items():
        pairs = match_duplicates(dss, dms)
        paired = {e.key for pair in pairs for e in pair}
        merged.update(b.key for _, b in pairs)
        vin_events = [_event(a, b, catalog) for a, b in pairs]
        vin_events += [_event(e, None, catalog) for e in dss if e.key not in paired]
        vin_events += [_event(None, e, catalog) for e in dms if e.key not in paired]
        vehicle = master[vin]
        unit = catalog.markets[vehicle.market].distance_unit
        prepared_events[vin] = check_odometers(vin_events, vehicle.handover_date, unit)

    return PreparedView(
        vehicles=tuple(master[vin] for vin in sorted(master)),
        events=tuple(e for vin in sorted(prepared_events) for e in prepared_events[vin]),
        contracts=tuple(sorted(contracts, key=lambda c: (c.vin, c.contract_id))),
        campaign_vehicles=tuple(
            sorted(complete_campaigns(campaigns, prepared_events), key=lambda c: (c.vin, c.campaign_code))
        ),
        merged=frozenset(merged),
    )
