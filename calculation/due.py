"""Which maintenance items apply to a vehicle and whether each is due: intervals, anchors, status (DOMAIN §8.2–8.4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from calculation.context import VehicleContext
from calculation.dates import add_months, end_of_month
from calculation.records import ServiceEvent, Vehicle
from catalog import Catalog
from catalog.records import Interval, ServiceItemType

NOT_DUE, DUE, OVERDUE = "NOT_DUE", "DUE", "OVERDUE"
DIST, TIME = "DIST", "TIME"


@dataclass(frozen=True)
class DueRequest:
    """The date and odometer to evaluate at, the optional items asked for, and look-ahead overrides."""

    quote_date: date
    odometer: int
    include_recommended: tuple[str, ...] = ()
    include_statutory: bool = False
    look_ahead_distance: int | None = None
    look_ahead_days: int | None = None


@dataclass(frozen=True)
class DueItem:
    """One applicable item with its anchor, limits and status (`basis` is `first` or `repeat`)."""

    item: ServiceItemType
    status: str
    triggers: tuple[str, ...]
    basis: str
    anchor_date: date
    anchor_odometer: int
    due_date: date | None
    due_odometer: int | None

    @property
    def is_due(self) -> bool:
        return self.status != NOT_DUE


@dataclass(frozen=True)
class Limits:
    """An interval resolved for one market unit: distance in that unit and months."""

    distance: int | None
    months: int | None


def request_facts(request: DueRequest) -> dict[str, Any]:
    return {
        "request.includeRecommended": request.include_recommended,
        "request.includeStatutory": request.include_statutory,
    }


@dataclass(frozen=True)
class ItemPlan:
    """An applicable item as every vehicle of one configuration evaluates it: its limits after overrides and the
    codes whose performance resets it (its own and those that satisfy it)."""

    item: ServiceItemType
    first: Limits
    repeat: Limits
    codes: tuple[str, ...]


def applicable_items(ctx: VehicleContext, request: DueRequest) -> list[ItemPlan]:
    """Items whose applicability rule holds, in catalogue order (COND, CAMP and ONCE never do).

    Applicability depends only on the vehicle's configuration and the optional items asked for, and the limits
    only on its engine, model and market, so both are kept per configuration in the catalogue's memo and
    shared by every vehicle built the same way.
    """
    key = ("applicable", ctx.configuration, request.include_recommended, request.include_statutory)
    facts = request_facts(request)
    items = ctx.catalog.service_items.values()

    def plans() -> list[ItemPlan]:
        applicable = [item for item in items if ctx.holds(item.applicability_rule, facts)]
        return [ItemPlan(i, *intervals(ctx, i), tuple(dict.fromkeys((i.code, *i.satisfied_by)))) for i in applicable]

    return ctx.catalog.remembered(key, plans)


def _limits(interval: Interval | None, unit: str) -> Limits | None:
    return None if interval is None else Limits(interval.distance(unit), interval.months)


def intervals(ctx: VehicleContext, item: ServiceItemType) -> tuple[Limits, Limits]:
    """(first, repeat) limits after overrides, in the vehicle's market unit (§8.3 step 2, D18)."""
    unit = ctx.distance_unit
    repeat = _limits(item.repeat_interval, unit) or Limits(None, None)
    first = _limits(item.first_interval, unit)
    first_follows = item.first_interval is None or item.first_interval == item.repeat_interval
    scopes = {
        "ENGINE": ctx.engine.code,
        "MODEL": ctx.model.code,
        "BRAND": ctx.brand.code,
        "MARKET": ctx.market.code,
    }
    overrides = [
        o
        for o in ctx.catalog.interval_overrides
        if o.item_code == item.code and scopes.get(o.scope_type) == o.scope_code
    ]
    for scope in scopes:  # later scopes win
        for o in overrides:
            if o.scope_type != scope:
                continue
            distance = o.repeat_km if unit == "KM" else o.repeat_mi
            repeat = Limits(
                distance if distance is not None else repeat.distance,
                o.repeat_months if o.repeat_months is not None else repeat.months,
            )
    return (repeat if first_follows or first is None else first), repeat


@dataclass(frozen=True)
class Performance:
    """When and at which odometer an event performed which items (its performed codes computed once)."""

    date: date
    odometer: int
    codes: frozenset[str]


def performances(events: Sequence[ServiceEvent], quote_date: date) -> list[Performance]:
    """D9: only events on or before the quote date count, each at its anchor (plausible) odometer."""
    return [Performance(e.date, e.anchor_odometer, e.performed_codes()) for e in events if e.date <= quote_date]


def latest_by_code(history: Sequence[Performance]) -> dict[str, Performance]:
    """Per performed code, its latest performance by (date, odometer): one pass over the history serves every
    item's lookup (§8.3 step 3)."""
    latest: dict[str, Performance] = {}
    for p in history:
        for code in p.codes:
            known = latest.get(code)
            if known is None or (p.date, p.odometer) >= (known.date, known.odometer):
                latest[code] = p
    return latest


def last_performance(plan: ItemPlan, latest: Mapping[str, Performance]) -> Performance | None:
    """Latest performance by (date, odometer) of the item or of an item that satisfies it."""
    found = [latest[code] for code in plan.codes if code in latest]
    return max(found, key=lambda p: (p.date, p.odometer), default=None)


def status_of(
    odometer: int, quote_date: date, due_odometer: int | None, due_date: date | None, ahead_km: int, ahead_days: int
) -> tuple[str, tuple[str, ...]]:
    """§8.4: a passed limit is OVERDUE, a limit within the look-ahead window is DUE; DIST before TIME."""
    triggers: list[str] = []
    overdue = False
    if due_odometer is not None:
        if odometer > due_odometer:
            overdue = True
            triggers.append(DIST)
        elif odometer >= due_odometer - ahead_km:
            triggers.append(DIST)
    if due_date is not None:
        if quote_date > due_date:
            overdue = True
            triggers.append(TIME)
        elif quote_date >= due_date - timedelta(days=ahead_days):
            triggers.append(TIME)
    status = OVERDUE if overdue else DUE if triggers else NOT_DUE
    return status, tuple(triggers)


def evaluate_item(
    ctx: VehicleContext, plan: ItemPlan, latest: Mapping[str, Performance], request: DueRequest
) -> DueItem:
    item = plan.item
    last = last_performance(plan, latest)
    if last is None:
        basis, limits, anchor_date, anchor_odo = "first", plan.first, ctx.vehicle.handover_date, 0
    else:
        basis, limits, anchor_date, anchor_odo = "repeat", plan.repeat, last.date, last.odometer
    due_odometer = anchor_odo + limits.distance if limits.distance is not None else None
    due_date = None
    if limits.months is not None:
        due_date = add_months(anchor_date, limits.months)
        if item.due_end_of_month:
            due_date = end_of_month(due_date)
    ahead_km = request.look_ahead_distance
    ahead_days = request.look_ahead_days
    status, triggers = status_of(
        request.odometer,
        request.quote_date,
        due_odometer,
        due_date,
        ctx.market.look_ahead_distance if ahead_km is None else ahead_km,
        ctx.market.look_ahead_days if ahead_days is None else ahead_days,
    )
    return DueItem(item, status, triggers, basis, anchor_date, anchor_odo, due_date, due_odometer)


def evaluate(ctx: VehicleContext, events: Sequence[ServiceEvent], request: DueRequest) -> list[DueItem]:
    latest = latest_by_code(performances(events, request.quote_date))
    return [evaluate_item(ctx, plan, latest, request) for plan in applicable_items(ctx, request)]


def evaluate_due(
    catalog: Catalog, vehicle: Vehicle, events: Sequence[ServiceEvent], request: DueRequest
) -> list[DueItem]:
    """Every applicable item with its status, in catalogue order."""
    return evaluate(VehicleContext.of(catalog, vehicle), events, request)
