"""DOMAIN §9 worked examples 1–3, line by line, transcribed from the specification's tables."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from calculation.quote import QuoteRequest, compute
from calculation.records import CampaignVehicle, ServiceContract, Vehicle, VehicleFile
from catalog import default_catalog
from presentation.quote import service_quote
from tests.calculation.builders import event

EXAMPLE_1 = VehicleFile(
    Vehicle(
        vin="WXVZZZB8ZNW012345", model_code="VRN-BLT-8", engine_code="P15T4-110B", transmission="DSG7D",
        drive="FWD", model_year=2022, production_date=date(2022, 1, 20), handover_date=date(2022, 3, 15),
        market="DE", equipment_codes=("SRX6", "SPW1"),
    )
)  # fmt: skip
VIN_2 = "TXNZZZ3VZKM204518"
EXAMPLE_2 = VehicleFile(
    Vehicle(
        vin=VIN_2, model_code="NVK-OSK-3", engine_code="D20T4-110A", transmission="DSG6W", drive="AWD_HALDEX",
        model_year=2019, production_date=date(2019, 3, 12), handover_date=date(2019, 5, 20), market="AT",
        equipment_codes=("SRX1", "SPW1", "TWB1"),
    ),
    events=(
        event(VIN_2, 1, "2020-05-12", 14200, "OIL_SVC_FIXED"),
        event(VIN_2, 2, "2021-05-03", 29100, "OIL_SVC_FIXED", "POLLEN_FILTER", "TOWBAR_CHECK"),
        event(VIN_2, 3, "2022-04-28", 44050, "OIL_SVC_FIXED", "INSP_A", "BRAKE_FLUID", "HALDEX_OIL"),
        event(VIN_2, 4, "2023-05-10", 58900, "OIL_SVC_FIXED", "POLLEN_FILTER", "TOWBAR_CHECK"),
    ),
)  # fmt: skip
VIN_3 = "WXAZZZ5XZPN031882"
EXAMPLE_3 = VehicleFile(
    Vehicle(
        vin=VIN_3, model_code="AUX-50X-2", engine_code="P20T4-140B", transmission="DSG7W", drive="FWD",
        model_year=2023, production_date=date(2022, 11, 8), handover_date=date(2023, 2, 10), market="CH",
        equipment_codes=("SRX6", "SPW1"),
    ),
    events=(event(VIN_3, 1, "2024-01-22", 16900, "OIL_SVC_FLEX"),),
    contracts=(
        ServiceContract(
            contract_id="SC-CH-000731", vin=VIN_3, product_type_code="MAINT_BASIC_36_45",
            start_date=date(2023, 2, 10), end_date=date(2026, 2, 10), max_odometer=45000, status="ACTIVE",
        ),
    ),
    campaigns=(CampaignVehicle(campaign_code="TC-25-031", vin=VIN_3, status="OPEN"),),
)  # fmt: skip

REQUEST_1 = QuoteRequest(quote_date=date(2024, 3, 4), odometer=27850)
REQUEST_2 = QuoteRequest(quote_date=date(2024, 5, 6), odometer=73450, customer_group="FLEET")
REQUEST_3 = QuoteRequest(quote_date=date(2025, 2, 3), odometer=29640, include_recommended=("WIPER_BLADES",))

# item, basis, anchor date, anchor odometer, due odometer, due date, status, triggers
DUE_1 = [
    ("OIL_SVC_FLEX", "first", "2022-03-15", 0, 30000, "2024-03-15", "DUE", ["TIME"]),
    ("INSP_B", "first", "2022-03-15", 0, 30000, "2024-03-15", "DUE", ["TIME"]),
    ("POLLEN_FILTER", "first", "2022-03-15", 0, 60000, "2024-03-15", "DUE", ["TIME"]),
    ("AIR_FILTER_90", "first", "2022-03-15", 0, 90000, "2028-03-15", "NOT_DUE", []),
    ("SPARK_PLUGS_60", "first", "2022-03-15", 0, 60000, "2026-03-15", "NOT_DUE", []),
    ("BRAKE_FLUID", "first", "2022-03-15", 0, None, "2025-03-15", "NOT_DUE", []),
    ("TBELT_REPLACE_210", "first", "2022-03-15", 0, 210000, "2032-03-15", "NOT_DUE", []),
    ("ACC_BELT_REPLACE", "first", "2022-03-15", 0, 120000, "2030-03-15", "NOT_DUE", []),
]
DUE_2 = [
    ("OIL_SVC_FIXED", "repeat", "2023-05-10", 58900, 73900, "2024-05-10", "DUE", ["DIST", "TIME"]),
    ("INSP_A", "repeat", "2022-04-28", 44050, 104050, "2024-04-28", "OVERDUE", ["TIME"]),
    ("POLLEN_FILTER", "repeat", "2023-05-10", 58900, 118900, "2025-05-10", "NOT_DUE", []),
    ("AIR_FILTER_90", "first", "2019-05-20", 0, 90000, "2025-05-20", "NOT_DUE", []),
    ("BRAKE_FLUID", "repeat", "2022-04-28", 44050, None, "2024-04-28", "OVERDUE", ["TIME"]),
    ("DSG6W_OIL", "first", "2019-05-20", 0, 60000, None, "OVERDUE", ["DIST"]),
    ("HALDEX_OIL", "repeat", "2022-04-28", 44050, None, "2025-04-28", "NOT_DUE", []),
    ("TBELT_REPLACE_210", "first", "2019-05-20", 0, 210000, "2029-05-20", "NOT_DUE", []),
    ("FUEL_FILTER_D", "first", "2019-05-20", 0, 90000, None, "NOT_DUE", []),
    ("DPF_CHECK", "first", "2019-05-20", 0, 120000, None, "NOT_DUE", []),
    ("TOWBAR_CHECK", "repeat", "2023-05-10", 58900, None, "2025-05-10", "NOT_DUE", []),
    ("ACC_BELT_REPLACE", "first", "2019-05-20", 0, 120000, "2027-05-20", "NOT_DUE", []),
]
DUE_3 = [
    ("OIL_SVC_FLEX", "repeat", "2024-01-22", 16900, 46900, "2026-01-22", "NOT_DUE", []),
    ("INSP_B", "first", "2023-02-10", 0, 30000, "2025-02-10", "DUE", ["DIST", "TIME"]),
    ("POLLEN_FILTER", "first", "2023-02-10", 0, 60000, "2025-02-10", "DUE", ["TIME"]),
    ("AIR_FILTER_90", "first", "2023-02-10", 0, 90000, "2029-02-10", "NOT_DUE", []),
    ("SPARK_PLUGS_60", "first", "2023-02-10", 0, 60000, "2027-02-10", "NOT_DUE", []),
    ("BRAKE_FLUID", "first", "2023-02-10", 0, None, "2026-02-10", "NOT_DUE", []),
    ("DSG7W_OIL", "first", "2023-02-10", 0, 120000, None, "NOT_DUE", []),
    ("ACC_BELT_REPLACE", "first", "2023-02-10", 0, 120000, "2031-02-10", "NOT_DUE", []),
    ("WIPER_BLADES", "first", "2023-02-10", 0, None, "2024-02-10", "OVERDUE", ["TIME"]),
]

# pos, payer, item, type, ref, description, qty, unit, unit price, gross, discount %, discount, net, tax rate
POSITIONS_1 = [
    (1, "CUSTOMER", "OIL_SVC_FLEX", "LABOR", "OP-OIL_SVC_FLEX", "Oil change service (flexible/LongLife), oil + filter",
     "50", "TU", "1.7000", "85.00", "0", "0.00", "85.00", "0.19"),
    (2, "CUSTOMER", "OIL_SVC_FLEX", "PART", "XG1 115 561 B", "Oil filter, petrol <=1.6",
     "1", "PCS", "18.40", "18.40", "0", "0.00", "18.40", "0.19"),
    (3, "CUSTOMER", "OIL_SVC_FLEX", "PART", "XN0 138 157", "Oil drain plug seal",
     "1", "PCS", "1.95", "1.95", "0", "0.00", "1.95", "0.19"),
    (4, "CUSTOMER", "OIL_SVC_FLEX", "OIL", "OIL-LL4-0W20", "Engine oil 0W-20",
     "4.3", "L", "24.90", "107.07", "0", "0.00", "107.07", "0.19"),
    (5, "CUSTOMER", "INSP_B", "LABOR", "OP-INSP_B", "Inspection service, concept B (MY>=2020, and non-VX brands)",
     "80", "TU", "1.7000", "136.00", "0", "0.00", "136.00", "0.19"),
    (6, "CUSTOMER", "POLLEN_FILTER", "LABOR", "OP-POLLEN_FILTER", "Replace dust and pollen filter",
     "40", "TU", "1.7000", "68.00", "0", "0.00", "68.00", "0.19"),
    (7, "CUSTOMER", "POLLEN_FILTER", "PART", "XG5 819 653", "Pollen filter, class S",
     "1", "PCS", "32.90", "32.90", "0", "0.00", "32.90", "0.19"),
    (8, "CUSTOMER", None, "SUNDRY", "SHOP-SUPPLIES", "Shop supplies (flat)",
     "1", "PCS", "9.90", "9.90", "0", "0.00", "9.90", "0.19"),
    (9, "CUSTOMER", None, "FEE", "OIL-DISPOSAL", "Used-oil disposal fee (flat)",
     "1", "PCS", "4.90", "4.90", "0", "0.00", "4.90", "0.19"),
]  # fmt: skip
POSITIONS_2 = [
    (1, "CUSTOMER", "OIL_SVC_FIXED", "LABOR", "OP-OIL_SVC_FIXED", "Oil change service (fixed), oil + filter",
     "50", "TU", "1.7500", "87.50", "5", "4.38", "83.12", "0.20"),
    (2, "CUSTOMER", "OIL_SVC_FIXED", "PART", "XG1 115 466 C", "Oil filter, diesel 4-cyl",
     "1", "PCS", "21.63", "21.63", "15", "3.24", "18.39", "0.20"),
    (3, "CUSTOMER", "OIL_SVC_FIXED", "PART", "XN0 138 157", "Oil drain plug seal",
     "1", "PCS", "2.03", "2.03", "15", "0.30", "1.73", "0.20"),
    (4, "CUSTOMER", "OIL_SVC_FIXED", "OIL", "OIL-LL3-5W30", "Engine oil 5W-30",
     "5.5", "L", "21.74", "119.57", "10", "11.96", "107.61", "0.20"),
    (5, "CUSTOMER", "INSP_A", "LABOR", "OP-INSP_A", "Inspection service, concept A (MY<=2019)",
     "110", "TU", "1.7500", "192.50", "5", "9.63", "182.87", "0.20"),
    (6, "CUSTOMER", "BRAKE_FLUID", "LABOR", "OP-BRAKE_FLUID", "Change brake fluid",
     "90", "TU", "1.7500", "157.50", "5", "7.88", "149.62", "0.20"),
    (7, "CUSTOMER", "BRAKE_FLUID", "FLUID", "XB0 000 750 M2", "Brake fluid DOT 4, 1 l",
     "1", "PCS", "16.54", "16.54", "15", "2.48", "14.06", "0.20"),
    (8, "CUSTOMER", "DSG6W_OIL", "LABOR", "OP-DSG6W_OIL", "6-speed wet DCT: change oil and filter",
     "150", "TU", "1.7500", "262.50", "5", "13.13", "249.37", "0.20"),
    (9, "CUSTOMER", "DSG6W_OIL", "FLUID", "XG0 DSG 600 L", "DCT fluid (wet clutch), per litre",
     "5.5", "L", "19.66", "108.13", "15", "16.22", "91.91", "0.20"),
    (10, "CUSTOMER", "DSG6W_OIL", "PART", "XG2 325 183", "DSG6W oil filter",
     "1", "PCS", "31.41", "31.41", "15", "4.71", "26.70", "0.20"),
    (11, "CUSTOMER", None, "SUNDRY", "SHOP-SUPPLIES", "Shop supplies (flat)",
     "1", "PCS", "9.90", "9.90", "0", "0.00", "9.90", "0.20"),
    (12, "CUSTOMER", None, "FEE", "OIL-DISPOSAL", "Used-oil disposal fee (flat)",
     "1", "PCS", "4.90", "4.90", "0", "0.00", "4.90", "0.20"),
]  # fmt: skip
POSITIONS_3 = [
    (1, "SERVICE_PLAN", "INSP_B", "LABOR", "OP-INSP_B", "Inspection service, concept B (MY>=2020, and non-VX brands)",
     "90", "TU", "2.1000", "189.00", "0", "0.00", "189.00", "0.081"),
    (2, "SERVICE_PLAN", "POLLEN_FILTER", "LABOR", "OP-POLLEN_FILTER", "Replace dust and pollen filter",
     "40", "TU", "2.1000", "84.00", "0", "0.00", "84.00", "0.081"),
    (3, "SERVICE_PLAN", "POLLEN_FILTER", "PART", "XA4 819 439", "Pollen filter (active carbon), class M",
     "1", "PCS", "44.79", "44.79", "0", "0.00", "44.79", "0.081"),
    (4, "CUSTOMER", "WIPER_BLADES", "LABOR", "OP-WIPER_BLADES", "Replace wiper blades (recommended)",
     "10", "TU", "2.1000", "21.00", "0", "0.00", "21.00", "0.081"),
    (5, "CUSTOMER", "WIPER_BLADES", "PART", "XA1 998 002", "Wiper blade set, class M",
     "1", "PCS", "60.26", "60.26", "0", "0.00", "60.26", "0.081"),
    (6, "OEM", "TECH_CAMPAIGN", "LABOR", "TC-25-031", "Campaign TC-25-031: infotainment software update",
     "50", "TU", "2.1000", "105.00", "0", "0.00", "105.00", "0"),
    (7, "CUSTOMER", None, "SUNDRY", "SHOP-SUPPLIES", "Shop supplies (flat)",
     "1", "PCS", "12.00", "12.00", "0", "0.00", "12.00", "0.081"),
]  # fmt: skip

# payer, net, tax, gross, cash rounding, payable
TOTALS_1 = [("CUSTOMER", "464.12", "88.18", "552.30", "0.00", "552.30")]
TOTALS_2 = [("CUSTOMER", "940.18", "188.04", "1128.22", "0.00", "1128.22")]
TOTALS_3 = [
    ("CUSTOMER", "93.26", "7.55", "100.81", "-0.01", "100.80"),
    ("SERVICE_PLAN", "317.79", "25.74", "343.53", "0.00", "343.53"),
    ("OEM", "105.00", "0.00", "105.00", "0.00", "105.00"),  # D19: OEM untaxed, gross = payable = net
]

EXAMPLES = {
    "example-1-DE": (EXAMPLE_1, REQUEST_1, "FLEX", DUE_1, POSITIONS_1, TOTALS_1),
    "example-2-AT": (EXAMPLE_2, REQUEST_2, "FIXED", DUE_2, POSITIONS_2, TOTALS_2),
    "example-3-CH": (EXAMPLE_3, REQUEST_3, "FLEX", DUE_3, POSITIONS_3, TOTALS_3),
}
POSITION_FIELDS = (
    "pos", "payer", "itemCode", "type", "ref", "description", "quantity", "unit", "unitPrice", "gross",
    "discountPercent", "discount", "net", "taxRate",
)  # fmt: skip
TOTAL_FIELDS = ("payer", "net", "tax", "gross", "cashRounding", "payable")


def quote_of(name: str) -> dict[str, Any]:
    file, request, *_ = EXAMPLES[name]
    return service_quote(compute(default_catalog(), file, request))


@pytest.mark.parametrize("name", EXAMPLES)
def test_due_items_match_step_1_row_by_row(name: str) -> None:
    expected = EXAMPLES[name][3]
    actual = [
        (d["item"]["code"], d["basis"], d["anchorDate"], d["anchorOdometer"], d["dueOdometer"], d["dueDate"],
         d["status"], d["triggers"])
        for d in quote_of(name)["dueItems"]
    ]  # fmt: skip
    assert actual == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_positions_match_step_2_line_by_line(name: str) -> None:
    expected = [dict(zip(POSITION_FIELDS, row, strict=True)) for row in EXAMPLES[name][4]]
    assert quote_of(name)["positions"] == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_totals_match_step_3_per_payer(name: str) -> None:
    expected = [dict(zip(TOTAL_FIELDS, row, strict=True)) for row in EXAMPLES[name][5]]
    assert quote_of(name)["totals"] == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_header_names_vehicle_currency_and_regime(name: str) -> None:
    file, _, regime, *_ = EXAMPLES[name]
    quote = quote_of(name)
    currency = default_catalog().markets[file.vehicle.market].currency
    assert (quote["vin"], quote["currency"], quote["serviceRegime"]) == (file.vehicle.vin, currency, regime)
    assert quote["warnings"] == []


def test_fuel_filter_without_engine_override_would_be_overdue() -> None:
    """Example 2's hand check: the 90,000 km override keeps FUEL_FILTER_D NOT_DUE; 60,000 km would not."""
    quote = quote_of("example-2-AT")
    fuel = next(d for d in quote["dueItems"] if d["item"]["code"] == "FUEL_FILTER_D")
    assert fuel["dueOdometer"] == 90000
    catalog = default_catalog()
    assert catalog.service_items["FUEL_FILTER_D"].repeat_interval.km == 60000  # type: ignore[union-attr]
