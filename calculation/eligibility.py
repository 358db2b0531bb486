"""Whether a service product may be sold for a vehicle on a purchase date, with the reasons why not (DOMAIN §6)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from calculation.dates import age_months
from calculation.due import OVERDUE, DueRequest, evaluate_due
from calculation.records import ServiceEvent, Vehicle
from catalog import Catalog
from catalog.records import ServiceProduct

BRAND_NOT_ELIGIBLE = "BRAND_NOT_ELIGIBLE"
MARKET_NOT_ELIGIBLE = "MARKET_NOT_ELIGIBLE"
VEHICLE_AGE_NOT_ELIGIBLE = "VEHICLE_AGE_NOT_ELIGIBLE"
ODOMETER_NOT_ELIGIBLE = "ODOMETER_NOT_ELIGIBLE"
USAGE_EXCLUDED = "USAGE_EXCLUDED"
TUNED_EXCLUDED = "TUNED_EXCLUDED"
TOTAL_LOSS_REBUILT_EXCLUDED = "TOTAL_LOSS_REBUILT_EXCLUDED"
OIL_SERVICE_PERFORMED = "OIL_SERVICE_PERFORMED"
OVERDUE_CORE_ITEM = "OVERDUE_CORE_ITEM"

OIL_SERVICE_PREFIX = "OIL_SVC_"  # §6 "no oil service performed yet" means any OIL_SVC_* item

_COMPARISONS: dict[str, tuple[Callable[[int, int], bool], str]] = {
    "lte": (operator.le, "at most"),
    "lt": (operator.lt, "less than"),
    "gte": (operator.ge, "at least"),
    "gt": (operator.gt, "more than"),
}


@dataclass(frozen=True, slots=True)
class IneligibilityReason:
    """One rule the vehicle fails: a machine code and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The verdict for one product; eligible exactly when no rule failed."""

    product_code: str
    reasons: tuple[IneligibilityReason, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _failed_comparisons(limits: tuple[tuple[str, int], ...] | None, actual: int) -> list[str]:
    """The phrases ("at most 12") of the comparisons `actual` does not meet."""
    failed = []
    for op, bound in limits or ():
        if op not in _COMPARISONS:
            raise ValueError(f"unknown eligibility comparison {op!r}")
        compare, phrase = _COMPARISONS[op]
        if not compare(actual, bound):
            failed.append(f"{phrase} {bound:,}")
    return failed


def check_eligibility(
    catalog: Catalog,
    product: ServiceProduct,
    vehicle: Vehicle,
    purchase_date: date,
    odometer: int,
    events: Sequence[ServiceEvent],
) -> EligibilityResult:
    """Every §6 rule of `product` for `vehicle` bought on `purchase_date` at `odometer` (market unit).

    Only events dated on or before the purchase date count, as in the due calculation (D9).
    """
    rule = product.eligibility
    model = catalog.models[vehicle.model_code]
    market = catalog.markets[vehicle.market]
    name = product.code
    reasons: list[IneligibilityReason] = []

    def fail(code: str, message: str) -> None:
        reasons.append(IneligibilityReason(code, message))

    if rule.brand_codes is not None and model.brand_code not in rule.brand_codes:
        fail(BRAND_NOT_ELIGIBLE, f"{name} is not sold for brand {model.brand_code}.")
    if rule.market_codes is not None and market.code not in rule.market_codes:
        fail(MARKET_NOT_ELIGIBLE, f"{name} is not sold in market {market.code}.")
    age = age_months(vehicle.handover_date, purchase_date)
    for phrase in _failed_comparisons(rule.vehicle_age_months_at_purchase, age):
        fail(VEHICLE_AGE_NOT_ELIGIBLE, f"{name} needs a vehicle age of {phrase} months; it is {age} months old.")
    unit = market.distance_unit
    limits = rule.odometer_at_purchase_km if unit == "KM" else rule.odometer_at_purchase_mi
    for phrase in _failed_comparisons(limits, odometer):
        reading = f"{odometer:,} {unit.lower()}"
        fail(ODOMETER_NOT_ELIGIBLE, f"{name} needs an odometer of {phrase} {unit.lower()}; it reads {reading}.")
    if vehicle.usage in rule.excluded_usages:
        fail(USAGE_EXCLUDED, f"{name} is not sold for vehicles in {vehicle.usage} use.")
    if rule.exclude_tuned and vehicle.tuned:
        fail(TUNED_EXCLUDED, f"{name} is not sold for tuned vehicles.")
    if rule.exclude_total_loss_rebuilt and vehicle.total_loss_rebuilt:
        fail(TOTAL_LOSS_REBUILT_EXCLUDED, f"{name} is not sold for vehicles rebuilt after a total loss.")
    earlier = [e for e in events if e.date <= purchase_date]
    if rule.requires_no_oil_service_yet:
        oil = sorted({c for e in earlier for c in e.performed_codes() if c.startswith(OIL_SERVICE_PREFIX)})
        if oil:
            fail(OIL_SERVICE_PERFORMED, f"{name} is only sold before the first oil service; done: {', '.join(oil)}.")
    if rule.requires_no_overdue_core_item:
        due = evaluate_due(catalog, vehicle, earlier, DueRequest(quote_date=purchase_date, odometer=odometer))
        overdue = [d.item.code for d in due if d.item.category == "CORE" and d.status == OVERDUE]
        if overdue:
            fail(OVERDUE_CORE_ITEM, f"{name} needs every core service done; overdue: {', '.join(overdue)}.")
    return EligibilityResult(product.code, tuple(reasons))
