"""DOMAIN §5, §8 and the §10 checklist, one rule per test; expected values are worked out by hand from the spec."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from calculation.bounds import InputError
from calculation.quote import QuoteRequest
from calculation.records import CampaignVehicle, ServiceContract, VehicleFile
from catalog import default_catalog
from tests.calculation.builders import due_of, event, quote, vehicle

VIN = "WXVZZZB8ZNW012345"


def test_limit_reached_exactly_is_due_not_overdue() -> None:
    # OIL_SVC_FLEX first interval 30,000 km / 24 months from 2022-03-15
    at_limit = quote(VehicleFile(vehicle()), QuoteRequest(date(2024, 3, 15), 30000))
    oil = due_of(at_limit, "OIL_SVC_FLEX")
    assert (oil["status"], oil["triggers"]) == ("DUE", ["DIST", "TIME"])


def test_distance_passed_before_time_is_overdue_by_distance() -> None:
    result = quote(VehicleFile(vehicle()), QuoteRequest(date(2023, 3, 15), 30001))
    oil = due_of(result, "OIL_SVC_FLEX")
    assert (oil["status"], oil["triggers"]) == ("OVERDUE", ["DIST"])


def test_one_day_past_the_due_date_is_overdue_by_time() -> None:
    result = quote(VehicleFile(vehicle()), QuoteRequest(date(2024, 3, 16), 100))
    assert due_of(result, "OIL_SVC_FLEX")["status"] == "OVERDUE"


def test_look_ahead_window_edges_in_kilometres_and_days() -> None:
    file = VehicleFile(vehicle())
    inside = due_of(quote(file, QuoteRequest(date(2024, 2, 14), 29000)), "OIL_SVC_FLEX")
    outside = due_of(quote(file, QuoteRequest(date(2024, 2, 13), 28999)), "OIL_SVC_FLEX")
    assert (inside["status"], inside["triggers"]) == ("DUE", ["DIST", "TIME"])
    assert (outside["status"], outside["triggers"]) == ("NOT_DUE", [])


def test_look_ahead_override_replaces_the_market_default() -> None:
    file = VehicleFile(vehicle())
    request = QuoteRequest(date(2023, 1, 1), 25000, look_ahead_distance=5000, look_ahead_days=0)
    assert due_of(quote(file, request), "OIL_SVC_FLEX")["triggers"] == ["DIST"]


def test_brake_fluid_first_interval_is_36_months_then_24() -> None:
    first = due_of(quote(VehicleFile(vehicle()), QuoteRequest(date(2024, 3, 4), 27850)), "BRAKE_FLUID")
    assert (first["basis"], first["dueDate"]) == ("first", "2025-03-15")
    done = VehicleFile(vehicle(), events=(event(VIN, 1, "2025-03-10", 40000, "BRAKE_FLUID"),))
    repeat = due_of(quote(done, QuoteRequest(date(2025, 6, 1), 42000)), "BRAKE_FLUID")
    assert (repeat["basis"], repeat["anchorDate"], repeat["dueDate"]) == ("repeat", "2025-03-10", "2027-03-10")


def test_flexible_oil_service_satisfies_the_fixed_oil_service() -> None:
    # vehicle now FIXED (SRX1), its last oil change was recorded as a flexible one
    fixed = vehicle(equipment_codes=("SRX1", "SPW1"))
    file = VehicleFile(fixed, events=(event(VIN, 1, "2023-01-10", 20000, "OIL_SVC_FLEX"),))
    oil = due_of(quote(file, QuoteRequest(date(2023, 6, 1), 25000)), "OIL_SVC_FIXED")
    assert (oil["basis"], oil["anchorOdometer"], oil["dueOdometer"], oil["dueDate"]) == (
        "repeat",
        20000,
        35000,
        "2024-01-10",
    )


def test_events_after_the_quote_date_are_ignored() -> None:
    file = VehicleFile(vehicle(), events=(event(VIN, 1, "2024-03-05", 28000, "OIL_SVC_FLEX"),))
    assert due_of(quote(file, QuoteRequest(date(2024, 3, 4), 27850)), "OIL_SVC_FLEX")["basis"] == "first"


def test_items_not_performed_do_not_anchor() -> None:
    from calculation.records import EventItem

    skipped = replace(event(VIN, 1, "2023-03-01", 15000), items=(EventItem("OIL_SVC_FLEX", performed=False),))
    file = VehicleFile(vehicle(), events=(skipped,))
    assert due_of(quote(file, QuoteRequest(date(2024, 3, 4), 27850)), "OIL_SVC_FLEX")["basis"] == "first"


def test_statutory_test_due_at_end_of_month_only_when_requested() -> None:
    file = VehicleFile(vehicle(handover_date=date(2021, 3, 15)))
    without = quote(file, QuoteRequest(date(2024, 3, 20), 30000))
    assert "HU_DE" not in [d["item"]["code"] for d in without["dueItems"]]
    hu = due_of(quote(file, QuoteRequest(date(2024, 3, 20), 30000, include_statutory=True)), "HU_DE")
    assert (hu["dueDate"], hu["status"]) == ("2024-03-31", "DUE")


def test_leap_day_handover_clamps_to_end_of_february() -> None:
    file = VehicleFile(vehicle(handover_date=date(2020, 2, 29), model_year=2020))
    brake = due_of(quote(file, QuoteRequest(date(2022, 1, 1), 1000)), "BRAKE_FLUID")
    assert brake["dueDate"] == "2023-02-28"
    oil = due_of(quote(file, QuoteRequest(date(2022, 1, 1), 1000)), "OIL_SVC_FLEX")
    assert oil["dueDate"] == "2022-02-28"


def test_brand_interval_override_gives_transvik_haldex_oil_48_months() -> None:
    van = vehicle(
        vin="WXTZZZC6ZKH000001", model_code="TVK-CRG-6", engine_code="T20D4-110C", transmission="MT6",
        drive="AWD_HALDEX", model_year=2019, equipment_codes=("SRX1", "SPW1"), handover_date=date(2019, 5, 20),
    )  # fmt: skip
    haldex = due_of(quote(VehicleFile(van), QuoteRequest(date(2020, 1, 1), 1000)), "HALDEX_OIL")
    assert haldex["dueDate"] == "2023-05-20"


def test_flexible_equipment_in_a_market_without_flexible_service_is_fixed() -> None:
    for market in ("US", "CN", "JP"):
        result = quote(VehicleFile(vehicle(market=market)), QuoteRequest(date(2023, 1, 1), 1000))
        assert result["serviceRegime"] == "FIXED"
        assert "OIL_SVC_FIXED" in [d["item"]["code"] for d in result["dueItems"]]


def test_mile_market_uses_mile_intervals_and_600_mile_look_ahead() -> None:
    gb = vehicle(market="GB", equipment_codes=("SRX1", "SPW1"))
    at_9400 = due_of(quote(VehicleFile(gb), QuoteRequest(date(2022, 6, 1), 9400)), "OIL_SVC_FIXED")
    at_9399 = due_of(quote(VehicleFile(gb), QuoteRequest(date(2022, 6, 1), 9399)), "OIL_SVC_FIXED")
    assert (at_9400["dueOdometer"], at_9400["status"], at_9399["status"]) == (10000, "DUE", "NOT_DUE")


def test_battery_electric_vehicle_in_japan_quote_without_oil_and_without_minor_unit() -> None:
    bev = vehicle(
        vin="WXVZZZE1ZMW000001", model_code="VRN-ION-1", engine_code="E-150", transmission="E1", drive="RWD",
        model_year=2021, market="JP", equipment_codes=("SRX1", "TMS1"), handover_date=date(2021, 3, 1),
    )  # fmt: skip
    result = quote(VehicleFile(bev), QuoteRequest(date(2023, 2, 15), 20000))
    assert result["serviceRegime"] is None
    assert [d["item"]["code"] for d in result["dueItems"]] == [
        "INSP_EV", "POLLEN_FILTER", "BRAKE_FLUID", "TIRE_SEALANT_REPLACE", "HV_CHECK",
    ]  # fmt: skip
    rows = [(p["ref"], p["quantity"], p["unitPrice"], p["gross"]) for p in result["positions"]]
    assert rows == [
        ("OP-INSP_EV", "60", "95.0000", "5700"),  # 0.60 h × 100 ZE, 9500 JPY/h
        ("OP-POLLEN_FILTER", "40", "95.0000", "3800"),
        ("XG5 819 653", "1", "5758", "5758"),  # 32.90 × 175 = 5757.5 → 5758
        ("OP-HV_CHECK", "30", "95.0000", "2850"),
        ("SHOP-SUPPLIES", "1", "1500", "1500"),
    ]
    assert result["totals"] == [
        {"payer": "CUSTOMER", "net": "19608", "tax": "1961", "gross": "21569", "cashRounding": "0", "payable": "21569"}
    ]


def test_us_labour_and_disposal_fee_are_tax_exempt() -> None:
    us = vehicle(
        vin="1XVDL2SG8JC586310", model_code="VRN-DLV-9", engine_code="P20T4-140A", transmission="AT8",
        drive="FWD", model_year=2018, market="US", equipment_codes=("SRX1", "TMS1"),
        handover_date=date(2018, 2, 24),
    )  # fmt: skip
    result = quote(VehicleFile(us), QuoteRequest(date(2019, 2, 20), 9500))
    rows = [(p["type"], p["ref"], p["gross"], p["taxRate"]) for p in result["positions"]]
    assert rows == [
        ("LABOR", "OP-OIL_SVC_FIXED", "87.50", "0"),
        ("PART", "XG2 115 562 A", "25.99", "0.0825"),
        ("PART", "XN0 138 157", "2.24", "0.0825"),
        ("OIL", "OIL-FS-5W40", "110.81", "0.0825"),  # 5.7 l × round(16.90 × 1.15) = 5.7 × 19.44
        ("SUNDRY", "SHOP-SUPPLIES", "14.95", "0.0825"),
        ("FEE", "OIL-DISPOSAL", "4.00", "0"),
    ]
    # tax on 153.99 taxable at 8.25 % = 12.704… → 12.70
    assert result["totals"][0] | {} == {
        "payer": "CUSTOMER", "net": "245.49", "tax": "12.70", "gross": "258.19", "cashRounding": "0.00",
        "payable": "258.19",
    }  # fmt: skip


def test_labour_time_units_are_rounded_up_for_twelve_unit_brands() -> None:
    suv = vehicle(
        vin="WXKCR2UY0MS000001", model_code="KRS-CIR-2", engine_code="K20T4-195B", transmission="DCT7",
        drive="AWD_VISCO", model_year=2021, equipment_codes=("SRX1", "SPW1"), handover_date=date(2021, 1, 10),
    )  # fmt: skip
    result = quote(VehicleFile(suv), QuoteRequest(date(2023, 1, 5), 10000))
    pollen = next(p for p in result["positions"] if p["ref"] == "OP-POLLEN_FILTER")
    # 0.40 h × 12 AW = 4.8 → 5 AW; 5 × 170.00 / 12 = 70.8333… → 70.83
    assert (pollen["quantity"], pollen["unitPrice"], pollen["gross"]) == ("5", "14.1667", "70.83")


def test_staff_discount_and_loyalty_from_48_months_take_the_maximum() -> None:
    old = vehicle(handover_date=date(2020, 3, 4), model_year=2020)
    staff = quote(VehicleFile(old), QuoteRequest(date(2024, 3, 4), 60000, customer_group="STAFF"))
    assert {p["discountPercent"] for p in staff["positions"] if p["type"] in ("LABOR", "PART", "OIL")} == {"20"}
    retail_47 = quote(VehicleFile(old), QuoteRequest(date(2024, 3, 3), 60000))
    retail_48 = quote(VehicleFile(old), QuoteRequest(date(2024, 3, 4), 60000))
    parts = [(p["type"], p["discountPercent"]) for p in retail_48["positions"] if p["type"] != "LABOR"]
    assert ("PART", "15") in parts and ("OIL", "0") in parts and ("SUNDRY", "0") in parts
    assert {p["discountPercent"] for p in retail_47["positions"]} == {"0"}


def test_half_up_rounding_of_a_discount_at_half_a_cent() -> None:
    from decimal import Decimal

    from calculation.money import round_money, round_to_step

    assert round_money(Decimal("87.50") * 5 / 100, 2) == Decimal("4.38")
    assert round_money(Decimal("5757.5"), 0) == Decimal("5758")
    assert round_to_step(Decimal("100.81"), Decimal("0.05"), 2) == Decimal("100.80")
    assert round_to_step(Decimal("100.825"), Decimal("0.05"), 2) == Decimal("100.85")


EXAMPLE_3_VIN = "WXAZZZ5XZPN031882"


def example_3(status: str = "ACTIVE", odometer_limit: int = 45000) -> VehicleFile:
    return VehicleFile(
        vehicle(
            vin=EXAMPLE_3_VIN, model_code="AUX-50X-2", engine_code="P20T4-140B", transmission="DSG7W",
            model_year=2023, production_date=date(2022, 11, 8), handover_date=date(2023, 2, 10), market="CH",
        ),
        events=(event(EXAMPLE_3_VIN, 1, "2024-01-22", 16900, "OIL_SVC_FLEX"),),
        contracts=(
            ServiceContract(
                contract_id="SC-CH-000731", vin=EXAMPLE_3_VIN, product_type_code="MAINT_BASIC_36_45",
                start_date=date(2023, 2, 10), end_date=date(2026, 2, 10), max_odometer=odometer_limit, status=status,
            ),
        ),
    )  # fmt: skip


def payers(result: dict[str, object]) -> dict[str, str]:
    return {p["ref"]: p["payer"] for p in result["positions"]}  # type: ignore[attr-defined]


def test_plan_over_its_odometer_limit_leaves_the_customer_paying_with_a_warning() -> None:
    result = quote(example_3(odometer_limit=29000), QuoteRequest(date(2025, 2, 3), 29640))
    assert payers(result)["OP-INSP_B"] == "CUSTOMER"
    assert [w["code"] for w in result["warnings"]] == ["CONTRACT_EXPIRED"]
    assert "SC-CH-000731" in result["warnings"][0]["message"]


def test_plan_after_its_end_date_leaves_the_customer_paying() -> None:
    result = quote(example_3(), QuoteRequest(date(2026, 2, 11), 31000))
    assert payers(result)["OP-INSP_B"] == "CUSTOMER"
    assert [w["code"] for w in result["warnings"]] == ["CONTRACT_EXPIRED"]


def test_cancelled_plan_never_covers_and_is_not_reported_as_expired() -> None:
    result = quote(example_3(status="CANCELLED"), QuoteRequest(date(2025, 2, 3), 29640))
    assert payers(result)["OP-INSP_B"] == "CUSTOMER"
    assert result["warnings"] == []


def test_plan_covered_lines_get_no_discount() -> None:
    result = quote(example_3(), QuoteRequest(date(2025, 2, 3), 29640, customer_group="STAFF"))
    plan = [p for p in result["positions"] if p["payer"] == "SERVICE_PLAN"]
    assert plan and all(p["discountPercent"] == "0" for p in plan)


def test_shop_supplies_go_to_the_plan_when_it_pays_all_labour() -> None:
    result = quote(example_3(), QuoteRequest(date(2025, 2, 3), 29640))
    assert payers(result)["SHOP-SUPPLIES"] == "SERVICE_PLAN"


def test_no_shop_supplies_on_a_campaign_only_visit() -> None:
    serviced = event(EXAMPLE_3_VIN, 2, "2025-02-03", 29640, "INSP_B", "POLLEN_FILTER")
    file = replace(
        example_3(),
        events=(*example_3().events, serviced),
        campaigns=(CampaignVehicle(campaign_code="TC-25-031", vin=EXAMPLE_3_VIN, status="OPEN"),),
    )
    result = quote(file, QuoteRequest(date(2025, 3, 1), 30000))
    assert [p["ref"] for p in result["positions"]] == ["TC-25-031"]
    assert result["totals"][0]["payer"] == "OEM"


def test_completed_campaign_is_not_quoted_again() -> None:
    from calculation.records import EventItem

    done = replace(
        event(EXAMPLE_3_VIN, 2, "2025-02-01", 29000),
        items=(EventItem("TECH_CAMPAIGN", campaign_code="TC-25-031"),),
    )
    file = replace(
        example_3(),
        events=(*example_3().events, done),
        campaigns=(CampaignVehicle(campaign_code="TC-25-031", vin=EXAMPLE_3_VIN, status="OPEN"),),
    )
    assert "TC-25-031" not in payers(quote(file, QuoteRequest(date(2025, 2, 3), 29640)))


def test_campaign_is_not_quoted_before_it_is_valid() -> None:
    file = replace(
        example_3(), campaigns=(CampaignVehicle(campaign_code="TC-25-031", vin=EXAMPLE_3_VIN, status="OPEN"),)
    )
    assert "TC-25-031" not in payers(quote(file, QuoteRequest(date(2024, 12, 31), 29000)))


def test_rollback_reading_is_anchored_at_the_last_plausible_odometer_and_warned() -> None:
    events = (
        event(VIN, 1, "2023-03-01", 20000, "POLLEN_FILTER"),
        event(VIN, 2, "2023-09-01", 2500, "OIL_SVC_FLEX", plausibility="ROLLBACK", effective=20000),
    )
    result = quote(VehicleFile(vehicle(), events=events), QuoteRequest(date(2024, 1, 1), 30000))
    oil = due_of(result, "OIL_SVC_FLEX")
    assert (oil["anchorDate"], oil["anchorOdometer"], oil["dueOdometer"]) == ("2023-09-01", 20000, 50000)
    assert [w["code"] for w in result["warnings"]] == ["ODOMETER_ROLLBACK"]


def test_outlier_reading_is_kept_and_warned() -> None:
    events = (event(VIN, 1, "2022-03-20", 20000, "OIL_SVC_FLEX", plausibility="OUTLIER"),)
    result = quote(VehicleFile(vehicle(), events=events), QuoteRequest(date(2023, 1, 1), 25000))
    assert due_of(result, "OIL_SVC_FLEX")["anchorOdometer"] == 20000
    assert [w["code"] for w in result["warnings"]] == ["ODOMETER_OUTLIER"]


def test_input_odometer_more_than_50_below_history_is_warned() -> None:
    file = VehicleFile(vehicle(), events=(event(VIN, 1, "2023-03-01", 20000, "POLLEN_FILTER"),))
    assert quote(file, QuoteRequest(date(2023, 6, 1), 19950))["warnings"] == []
    codes = [w["code"] for w in quote(file, QuoteRequest(date(2023, 6, 1), 19949))["warnings"]]
    assert codes == ["ODOMETER_BELOW_HISTORY"]


def test_vin_warnings_come_first() -> None:
    from calculation.quote import QuoteWarning, compute

    file = VehicleFile(vehicle(), events=(event(VIN, 1, "2023-03-01", 20000, "POLLEN_FILTER"),))
    vin_warning = QuoteWarning("CHECK_DIGIT_UNVERIFIED", "Position 9 is not the check digit.")
    result = compute(default_catalog(), file, QuoteRequest(date(2023, 6, 1), 100), vin_warnings=(vin_warning,))
    assert [w.code for w in result.warnings] == ["CHECK_DIGIT_UNVERIFIED", "ODOMETER_BELOW_HISTORY"]


def test_no_oil_product_leaves_out_the_oil_line_and_the_disposal_fee() -> None:
    catalog = replace(default_catalog(), oil_products={})
    result = quote(VehicleFile(vehicle()), QuoteRequest(date(2024, 3, 4), 27850), catalog)
    types = [p["type"] for p in result["positions"]]
    assert "OIL" not in types and "FEE" not in types
    assert [w["code"] for w in result["warnings"]] == ["NO_OIL_PRODUCT"]


def test_high_sulphur_diesel_market_replaces_oil_services_and_uses_the_fixed_spec() -> None:
    catalog = default_catalog()
    de = replace(catalog.markets["DE"], high_sulphur_diesel=True)
    severe = replace(catalog, markets={**catalog.markets, "DE": de})
    diesel = vehicle(model_code="NVK-OSK-3", engine_code="D20T4-103PD", transmission="DSG6W")
    result = quote(VehicleFile(diesel), QuoteRequest(date(2022, 12, 1), 7000), severe)
    codes = [d["item"]["code"] for d in result["dueItems"]]
    assert "OIL_SVC_SEVERE" in codes and "OIL_SVC_FLEX" not in codes and "OIL_SVC_FIXED" not in codes
    assert due_of(result, "OIL_SVC_SEVERE")["dueOdometer"] == 7500
    # the fixed spec (VW 505 01 or 507 00, 5W-40/5W-30) admits the cheaper OIL-PD-5W40; flex would not
    assert next(p for p in result["positions"] if p["type"] == "OIL")["ref"] == "OIL-PD-5W40"


def test_recommended_item_not_yet_due_is_listed_but_not_priced() -> None:
    result = quote(VehicleFile(vehicle()), QuoteRequest(date(2022, 4, 1), 1000, include_recommended=("AC_SERVICE",)))
    assert due_of(result, "AC_SERVICE")["status"] == "NOT_DUE"
    assert result["positions"] == [] and result["totals"] == []


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (QuoteRequest(date(2024, 1, 1), 1000, include_recommended=("OIL_SVC_FLEX",)), "NOT_A_RECOMMENDED_ITEM"),
        (QuoteRequest(date(2024, 1, 1), 1000, include_recommended=("NOPE",)), "NOT_A_RECOMMENDED_ITEM"),
        (QuoteRequest(date(2024, 1, 1), -1), "INVALID_ODOMETER"),
        (QuoteRequest(date(2024, 1, 1), 1000, customer_group="VIP"), "UNKNOWN_CUSTOMER_GROUP"),
        (QuoteRequest(date(2024, 1, 1), 1000, look_ahead_days=-1), "INVALID_LOOK_AHEAD"),
        (QuoteRequest(date(2024, 1, 1), 10_000_000), "INVALID_ODOMETER"),
        (QuoteRequest(date(2024, 1, 1), 1000, look_ahead_days=3661), "INVALID_LOOK_AHEAD"),
        (QuoteRequest(date(2024, 1, 1), 1000, look_ahead_distance=1_000_001), "INVALID_LOOK_AHEAD"),
        (QuoteRequest(date(1899, 12, 31), 1000), "DATE_OUT_OF_RANGE"),
        (QuoteRequest(date(2200, 1, 1), 1000), "DATE_OUT_OF_RANGE"),
    ],
)
def test_bad_quote_input_is_an_error_with_a_code(request_: QuoteRequest, code: str) -> None:
    with pytest.raises(InputError) as raised:
        quote(VehicleFile(vehicle()), request_)
    assert raised.value.code == code and raised.value.message
