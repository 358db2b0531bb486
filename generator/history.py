"""Service-history simulation (DOMAIN §7.5.3 with the decided algorithm D20, D21, D23): DSS visits and DMS copies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from calculation.context import VehicleContext
from calculation.due import DUE, OVERDUE, DueItem, DueRequest, evaluate
from calculation.records import EventItem, ServiceEvent, Vehicle
from catalog import Catalog
from catalog.records import Campaign, Market
from generator.prng import SplitMix64, stream
from generator.tuning import default_tuning
from preparation.raw import RawEvent, RawItem

TECH_CAMPAIGN = "TECH_CAMPAIGN"
PUNCTUAL, SKIPPER = "PUNCTUAL", "SKIPPER"
PUNCTUAL_OFFSET_DAYS = (0, 14)  # D21: a punctual customer never comes before the target
LATE_OFFSET_DAYS = (0, 90)
SKIP_ODDS = 3  # a skipper skips when nextInt(3) == 0
SKIP_DELAY_DAYS = 60
CORE_HORIZON_DAYS = 60  # CORE items due within this many days are done at the same visit
RECOMMENDED_PERCENT = 30
WORKSHOP_NUMBERS = (1, 40)
AUTHORISED_PERCENT = 85
CONDITION_REPAIRS = (("BRAKE_PADS_FRONT", 8), ("BRAKE_PADS_REAR", 5), ("BATTERY_12V_REPLACE", 3))
CONDITION_ODOMETER_ABOVE = {"KM": 30_000, "MI": 18_000}
DMS_COPY_PERCENT = 35
DMS_DATE_SHIFT_DAYS = (0, 1)
DMS_ODOMETER_SHIFT = (0, 40)
TYPO_PER_MILLE = 5
TYPO_DIVISOR = 10


@dataclass(frozen=True)
class History:
    """A vehicle's delivered records, the true visits behind them, and the campaigns those visits completed."""

    raw_events: tuple[RawEvent, ...]
    visits: tuple[ServiceEvent, ...]
    completed_campaigns: Mapping[str, str]
    """campaign code → eventId of the completing DSS event"""


def annual_distance(vehicle: Vehicle) -> int:
    if vehicle.annual_distance is None:
        raise ValueError(f"vehicle {vehicle.vin} has no annual distance to simulate with")
    return vehicle.annual_distance


def odometer_on(vehicle: Vehicle, day: date) -> int:
    """§7.5.3: odo(d) = floor(annual × daysSinceHandover / 365); distance carries no randomness."""
    return annual_distance(vehicle) * (day - vehicle.handover_date).days // 365


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def due_target(vehicle: Vehicle, market: Market, item: DueItem) -> date | None:
    """D20: the first day the item becomes DUE by distance (true odometer) or by time, whichever is earlier."""
    targets = []
    if item.due_odometer is not None:
        days = _ceil_div(365 * (item.due_odometer - market.look_ahead_distance), annual_distance(vehicle))
        targets.append(vehicle.handover_date + timedelta(days=days))
    if item.due_date is not None:
        targets.append(item.due_date - timedelta(days=market.look_ahead_days))
    return min(targets, default=None)


class _Simulation:
    """The visit loop of one vehicle; holds its stream, its true visits and its delivered records."""

    def __init__(self, catalog: Catalog, seed: int, vehicle: Vehicle, campaigns: Sequence[Campaign]) -> None:
        self.catalog = catalog
        self.vehicle = vehicle
        # one context per vehicle, so the catalogue facts are resolved once rather than at every evaluation
        self.context = VehicleContext.of(catalog, vehicle)
        self.market = self.context.market
        self.campaigns = sorted(campaigns, key=lambda c: c.code)
        self.tuning = default_tuning()
        self.r: SplitMix64 = stream(seed, self.tuning.stream_key("history", VIN=vehicle.vin))
        self.recommended = tuple(i.code for i in catalog.service_items.values() if i.category == "REC")
        self.order = {code: n for n, code in enumerate(catalog.service_items)}
        self.visits: list[ServiceEvent] = []
        self.raw: list[RawEvent] = []
        self.completed: dict[str, str] = {}

    def due(self, day: date) -> list[DueItem]:
        # D20: every REC item requested and the statutory test included, at the true odometer
        request = DueRequest(
            quote_date=day,
            odometer=odometer_on(self.vehicle, day),
            include_recommended=self.recommended,
            include_statutory=True,
        )
        return evaluate(self.context, self.visits, request)

    def next_target(self, due: Sequence[DueItem]) -> date | None:
        targets = [due_target(self.vehicle, self.market, d) for d in due if d.item.category == "CORE"]
        return min((t for t in targets if t is not None), default=None)

    def run(self) -> History:
        end = self.tuning.as_of
        target = self.next_target(self.due(self.vehicle.handover_date))
        compliance = self.vehicle.compliance_profile
        while target is not None:
            if compliance == SKIPPER and self.r.next_int(SKIP_ODDS) == 0:
                target += timedelta(days=SKIP_DELAY_DAYS)
                continue
            offset = PUNCTUAL_OFFSET_DAYS if compliance == PUNCTUAL else LATE_OFFSET_DAYS
            day = target + timedelta(days=self.r.next_range(*offset))
            if day > end:
                break
            following = self.next_target(self.visit(day))
            # the next visit is at least a day after this one, so the loop always advances
            target = None if following is None else max(following, day + timedelta(days=1))
        return History(tuple(self.raw), tuple(self.visits), self.completed)

    def visit(self, day: date) -> list[DueItem]:
        """Draws of one visit in the order of D21; returns the due list after it for the next target."""
        r = self.r
        odometer = odometer_on(self.vehicle, day)
        due = self.due(day)
        horizon = day + timedelta(days=CORE_HORIZON_DAYS)
        performed: list[tuple[str, str | None]] = []
        for d in due:
            is_due = d.status in (DUE, OVERDUE)
            if d.item.category == "REC":
                chosen = is_due and r.next_int(100) < RECOMMENDED_PERCENT
            else:
                target = due_target(self.vehicle, self.market, d)
                chosen = is_due or (d.item.category == "CORE" and target is not None and target <= horizon)
            if chosen:
                performed.append((d.item.code, None))
        workshop = r.next_range(*WORKSHOP_NUMBERS)
        authorised = r.next_int(100) < AUTHORISED_PERCENT
        condition_applies = odometer > CONDITION_ODOMETER_ABOVE[self.market.distance_unit]
        for code, percent in CONDITION_REPAIRS:
            if r.next_int(100) < percent and condition_applies:
                performed.append((code, None))
        performed.extend((TECH_CAMPAIGN, c.code) for c in self.open_campaigns(day))
        dms_shift = None
        if r.next_int(100) < DMS_COPY_PERCENT:
            dms_shift = (r.next_range(*DMS_DATE_SHIFT_DAYS), r.next_range(*DMS_ODOMETER_SHIFT))
        typo = r.next_int(1000) < TYPO_PER_MILLE
        if not performed:
            return due
        performed.sort(key=lambda p: (self.order[p[0]], p[1] or ""))
        self.record(day, odometer, f"{self.market.code}-{workshop:03d}", authorised, performed, dms_shift, typo)
        return self.due(day)

    def open_campaigns(self, day: date) -> list[Campaign]:
        return [
            c
            for c in self.campaigns
            if c.code not in self.completed
            and (c.valid_from is None or c.valid_from <= day)
            and (c.valid_to is None or day <= c.valid_to)
        ]

    def record(
        self,
        day: date,
        odometer: int,
        workshop: str,
        authorised: bool,
        performed: Sequence[tuple[str, str | None]],
        dms_shift: tuple[int, int] | None,
        typo: bool,
    ) -> None:
        """D23 identifiers; the DMS copy uses LTC codes (D13) and is made before any odometer typo (D21)."""
        k = len(self.visits) + 1
        vin = self.vehicle.vin
        event_id = f"DSS-{vin}-{k:03d}"
        self.visits.append(
            ServiceEvent(
                event_id=event_id,
                vin=vin,
                date=day,
                odometer=odometer,
                workshop_code=workshop,
                authorised_workshop=authorised,
                source_systems=("DSS",),
                source_refs=(event_id,),
                items=tuple(EventItem(code, campaign_code=campaign) for code, campaign in performed),
            )
        )
        self.completed.update((campaign, event_id) for _, campaign in performed if campaign is not None)
        self.raw.append(
            RawEvent(
                event_id=event_id,
                vin=vin,
                date=day,
                odometer=odometer // TYPO_DIVISOR if typo else odometer,
                workshop_code=workshop,
                authorised_workshop=authorised,
                source_system="DSS",
                source_ref=event_id,
                items=tuple(RawItem(code, code, True, campaign) for code, campaign in performed),
            )
        )
        if dms_shift is not None:
            prefix = self.catalog.commercial.labour_ref_prefix
            self.raw.append(
                RawEvent(
                    event_id=f"DMS-{vin}-{k:03d}",
                    vin=vin,
                    date=day + timedelta(days=dms_shift[0]),
                    odometer=odometer + dms_shift[1],
                    workshop_code=workshop,
                    authorised_workshop=authorised,
                    source_system="DMS",
                    source_ref=f"RO{k:06d}",
                    items=tuple(RawItem(prefix + code, code, True, campaign) for code, campaign in performed),
                )
            )


def simulate_history(catalog: Catalog, seed: int, vehicle: Vehicle, campaigns: Sequence[Campaign]) -> History:
    """The vehicle's visits from handover to asOf; `campaigns` are those whose scope includes the vehicle."""
    return _Simulation(catalog, seed, vehicle, campaigns).run()
