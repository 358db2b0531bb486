"""DOMAIN §6 eligibility of service products, one rule at a time, with the vehicles of the §9 worked examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from calculation.eligibility import (
    BRAND_NOT_ELIGIBLE,
    MARKET_NOT_ELIGIBLE,
    ODOMETER_NOT_ELIGIBLE,
    OIL_SERVICE_PERFORMED,
    OVERDUE_CORE_ITEM,
    TOTAL_LOSS_REBUILT_EXCLUDED,
    TUNED_EXCLUDED,
    USAGE_EXCLUDED,
    VEHICLE_AGE_NOT_ELIGIBLE,
    EligibilityResult,
    check_eligibility,
)
from calculation.records import ServiceEvent, Vehicle
from catalog import default_catalog
from tests.calculation.builders import event

CATALOG = default_catalog()
BASIC, PLUS = "MAINT_BASIC_36_45", "MAINT_PLUS_48_60"
WARRANTY_1Y, WARRANTY_3Y = "WARRANTY_EXT_1Y", "WARRANTY_EXT_3Y"

# §9.1: Vireon Belto, DE, FLEX, handover 2022-03-15; OIL_SVC_FLEX and INSP_B due 2024-03-15 at 30,000 km.
EXAMPLE_1 = Vehicle(
    vin="WXVZZZB8ZNW012345", model_code="VRN-BLT-8", engine_code="P15T4-110B", transmission="DSG7D", drive="FWD",
    model_year=2022, production_date=date(2022, 1, 20), handover_date=date(2022, 3, 15), market="DE",
    equipment_codes=("SRX6", "SPW1"),
)  # fmt: skip
HANDOVER = EXAMPLE_1.handover_date


def check(
    product: str,
    vehicle: Vehicle = EXAMPLE_1,
    on: date = HANDOVER,
    odometer: int = 0,
    events: tuple[ServiceEvent, ...] = (),
) -> EligibilityResult:
    return check_eligibility(CATALOG, CATALOG.service_products[product], vehicle, on, odometer, events)


def codes(result: EligibilityResult) -> list[str]:
    return [r.code for r in result.reasons]


@pytest.mark.parametrize("product", [BASIC, PLUS, WARRANTY_1Y])
def test_new_vireon_in_germany_is_eligible_for_every_sold_product(product: str) -> None:
    result = check(product)
    assert result.eligible and result.reasons == () and result.product_code == product


@pytest.mark.parametrize(
    ("product", "model", "engine", "brand"),
    [(BASIC, "KRS-S4-2", "K25B4-257B", "KRS"), (PLUS, "TVK-MIN-4", "D16T4-77A", "TVK"),
     (WARRANTY_1Y, "LCN-VEN-1", "L52V10-470B", "LCN")],
)  # fmt: skip
def test_brand_outside_the_products_brand_list_is_not_eligible(
    product: str, model: str, engine: str, brand: str
) -> None:
    result = check(product, replace(EXAMPLE_1, model_code=model, engine_code=engine))
    assert codes(result) == [BRAND_NOT_ELIGIBLE]
    assert brand in result.reasons[0].message


@pytest.mark.parametrize(("product", "market"), [(BASIC, "US"), (PLUS, "JP"), (WARRANTY_1Y, "GB")])
def test_market_outside_the_products_market_list_is_not_eligible(product: str, market: str) -> None:
    assert codes(check(product, replace(EXAMPLE_1, market=market))) == [MARKET_NOT_ELIGIBLE]


def test_service_plan_may_be_bought_up_to_12_months_after_handover() -> None:
    assert check(BASIC, on=date(2023, 3, 15)).eligible  # 12 months
    result = check(BASIC, on=date(2023, 4, 15))  # 13 months
    assert codes(result) == [VEHICLE_AGE_NOT_ELIGIBLE]
    assert "at most 12" in result.reasons[0].message and "13" in result.reasons[0].message


def test_vehicle_age_counts_calendar_months_with_month_end_clamping() -> None:
    # ageMonths(2022-03-31, 2023-04-30) = 12 (addMonths(2022-03-31, 13) = 2023-04-30 is the 13th month only then)
    month_end = replace(EXAMPLE_1, handover_date=date(2022, 3, 31))
    assert check(BASIC, month_end, on=date(2023, 4, 29)).eligible
    assert codes(check(BASIC, month_end, on=date(2023, 4, 30))) == [VEHICLE_AGE_NOT_ELIGIBLE]


def test_warranty_extension_needs_the_factory_warranty_still_running() -> None:
    # "< 24 months": 23 months on 2024-03-14, 24 months on 2024-03-15
    assert check(WARRANTY_3Y, on=date(2024, 3, 14), odometer=20_000).eligible
    assert codes(check(WARRANTY_3Y, on=date(2024, 3, 15), odometer=20_000)) == [VEHICLE_AGE_NOT_ELIGIBLE]


def test_service_plan_odometer_limit_is_15000_km() -> None:
    assert check(BASIC, odometer=15_000).eligible
    result = check(BASIC, odometer=15_001)
    assert codes(result) == [ODOMETER_NOT_ELIGIBLE]
    assert "15,000 km" in result.reasons[0].message


def test_basic_plan_odometer_limit_in_mile_markets_is_9000_mi() -> None:
    british = replace(EXAMPLE_1, market="GB")
    assert check(BASIC, british, odometer=9_000).eligible
    assert codes(check(BASIC, british, odometer=9_001)) == [ODOMETER_NOT_ELIGIBLE]


def test_plus_plan_has_no_mile_limit_in_mile_markets() -> None:
    assert check(PLUS, replace(EXAMPLE_1, market="GB"), odometer=14_000).eligible


def test_warranty_extension_odometer_limit_is_100000_km() -> None:
    # a high-mileage car whose core services are up to date
    serviced = (event(EXAMPLE_1.vin, 1, "2023-03-10", 99_500, "OIL_SVC_FLEX", "INSP_B"),)
    young = date(2023, 3, 15)
    assert check(WARRANTY_1Y, on=young, odometer=100_000, events=serviced).eligible
    assert codes(check(WARRANTY_1Y, on=young, odometer=100_001, events=serviced)) == [ODOMETER_NOT_ELIGIBLE]


@pytest.mark.parametrize("usage", ["TAXI", "RENTAL", "DRIVING_SCHOOL", "POLICE"])
def test_warranty_extension_excludes_commercial_usages(usage: str) -> None:
    assert codes(check(WARRANTY_1Y, replace(EXAMPLE_1, usage=usage))) == [USAGE_EXCLUDED]
    assert check(BASIC, replace(EXAMPLE_1, usage=usage)).eligible


def test_fleet_usage_is_not_excluded() -> None:
    assert check(WARRANTY_1Y, replace(EXAMPLE_1, usage="FLEET")).eligible


def test_warranty_extension_excludes_tuned_vehicles() -> None:
    assert codes(check(WARRANTY_1Y, replace(EXAMPLE_1, tuned=True))) == [TUNED_EXCLUDED]
    assert check(BASIC, replace(EXAMPLE_1, tuned=True)).eligible


def test_warranty_extension_excludes_rebuilt_total_losses() -> None:
    assert codes(check(WARRANTY_1Y, replace(EXAMPLE_1, total_loss_rebuilt=True))) == [TOTAL_LOSS_REBUILT_EXCLUDED]


def test_service_plan_is_not_sold_after_an_oil_service() -> None:
    oil = event(EXAMPLE_1.vin, 1, "2022-09-01", 7_000, "OIL_SVC_FIXED")
    result = check(BASIC, on=date(2022, 10, 1), odometer=8_000, events=(oil,))
    assert codes(result) == [OIL_SERVICE_PERFORMED]
    assert "OIL_SVC_FIXED" in result.reasons[0].message


def test_oil_service_after_the_purchase_date_does_not_count() -> None:
    oil = event(EXAMPLE_1.vin, 1, "2022-09-01", 7_000, "OIL_SVC_FLEX")
    assert check(BASIC, on=date(2022, 8, 31), odometer=6_900, events=(oil,)).eligible


def test_other_items_do_not_block_a_service_plan() -> None:
    pollen = event(EXAMPLE_1.vin, 1, "2022-09-01", 7_000, "POLLEN_FILTER", "WIPER_BLADES")
    assert check(BASIC, on=date(2022, 10, 1), odometer=8_000, events=(pollen,)).eligible


def test_warranty_extension_needs_no_overdue_core_item() -> None:
    # §9.1: on 2024-03-04 at 27,850 km the oil service and inspection are DUE, not OVERDUE → eligible
    assert check(WARRANTY_1Y, on=date(2024, 3, 4), odometer=27_850).eligible
    # past the 30,000 km limit both are OVERDUE (DIST)
    result = check(WARRANTY_1Y, on=date(2024, 3, 4), odometer=30_001)
    assert codes(result) == [OVERDUE_CORE_ITEM]
    assert "OIL_SVC_FLEX" in result.reasons[0].message and "INSP_B" in result.reasons[0].message


def test_overdue_add_item_does_not_block_a_warranty_extension() -> None:
    # POLLEN_FILTER (ADD, 24 months) is overdue, the oil service and inspection were done at 28,000 km
    done = event(EXAMPLE_1.vin, 1, "2024-02-20", 28_000, "OIL_SVC_FLEX", "INSP_B")
    assert check(WARRANTY_1Y, on=date(2024, 3, 14), odometer=29_000, events=(done,)).eligible


def test_every_failed_rule_is_reported() -> None:
    wreck = replace(EXAMPLE_1, market="GB", usage="TAXI", tuned=True, total_loss_rebuilt=True)
    result = check(WARRANTY_1Y, wreck, on=date(2025, 3, 15), odometer=200_000)
    assert not result.eligible
    assert codes(result) == [
        MARKET_NOT_ELIGIBLE,
        VEHICLE_AGE_NOT_ELIGIBLE,
        USAGE_EXCLUDED,
        TUNED_EXCLUDED,
        TOTAL_LOSS_REBUILT_EXCLUDED,
        OVERDUE_CORE_ITEM,
    ]
    assert all(r.message.endswith(".") for r in result.reasons)


def test_mobility_guarantee_has_no_purchase_restrictions() -> None:
    assert check("MOBILITY_LL", replace(EXAMPLE_1, market="US", usage="TAXI"), odometer=300_000).eligible
