"""Every reject code of the import: one bad record in an otherwise good delivery, with file, line, key, message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.preparation.deliveries import (
    CAMPAIGN,
    CH_VIN,
    DE_VIN,
    Record,
    campaign_vehicle,
    ch_vehicle,
    changed,
    contract,
    de_vehicle,
    deliver,
    dms,
    dss,
    events,
    import_delivery,
    imported,
    item,
    prepared_file,
    read_jsonl,
    reject_codes,
    rejects,
)

UNKNOWN_VIN = "WXVZZZB8ZNW099999"  # well-formed, but no vehicle record


def only_reject(into: Path) -> dict[str, Any]:
    (found,) = rejects(into)
    return found


# --- vehicles -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"vin": "WXVZZZB8ZNW01234O"}, "INVALID_VIN_FORMAT"),
        ({"vin": "WXVZZZB8ZUW012345"}, "INVALID_MODEL_YEAR_CODE"),
        ({"vin": "WXKZZZB8ZNW012345"}, "UNKNOWN_WMI"),  # a Karsten WMI on a Vireon
        ({"vin": "TXNZZZ3VZKM204518", "modelCode": "NVK-OSK-3", "engineCode": "D20T4-110A", "market": "CN",
          "modelYear": 2019, "productionDate": "2019-03-12", "handoverDate": "2019-05-20"}, "CHECK_DIGIT_MISMATCH"),
        ({"modelCode": "VRN-XXX-1"}, "UNKNOWN_MODEL"),
        ({"engineCode": "P99X9-999Z"}, "UNKNOWN_ENGINE"),
        ({"market": "XX"}, "UNKNOWN_MARKET"),
        ({"engineCode": "K30B6-283B"}, "ENGINE_NOT_FOR_MODEL"),
        ({"market": "US"}, "MARKET_NOT_FOR_MODEL"),
        ({"odometerUnit": "MI"}, "ODOMETER_UNIT_MISMATCH"),
        ({"productionDate": "2022-02-30"}, "INVALID_DATE"),
        ({"handoverDate": "15.03.2022"}, "INVALID_DATE"),
        ({"handoverDate": "2022-01-19"}, "INVALID_DATE_RANGE"),
        ({"productionDate": "9999-12-31", "handoverDate": "9999-12-31"}, "DATE_OUT_OF_RANGE"),
        ({"productionDate": "1899-12-31"}, "DATE_OUT_OF_RANGE"),
        ({"modelYear": 9999}, "VALUE_OUT_OF_RANGE"),
        ({"annualDistance": 10**30}, "VALUE_OUT_OF_RANGE"),
        ({"modelCode": ...}, "MISSING_FIELD"),
        ({"sourceSystem": "DMS"}, "INVALID_FIELD"),
        ({"modelYear": "2022"}, "INVALID_FIELD"),
        ({"tuned": "no"}, "INVALID_FIELD"),
        ({"usage": "RACING"}, "INVALID_FIELD"),
    ],
)  # fmt: skip
def test_bad_vehicle_record_is_rejected_with_its_code(tmp_path: Path, changes: dict[str, Any], code: str) -> None:
    into = imported(tmp_path, vehicles=[ch_vehicle(), de_vehicle(**changes)])
    reject = only_reject(into)
    assert (reject["file"], reject["line"], reject["code"]) == ("vehicles.jsonl", 2, code)
    assert reject["message"].endswith(".") and len(reject["message"]) > 20
    assert [v["vin"] for v in read_jsonl(prepared_file(into, "vehicles.jsonl"))] == [CH_VIN]


def test_odometer_at_the_supported_maximum_is_accepted(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 9_999_999)])
    assert rejects(into) == []
    assert events(into)[0]["odometer"] == 9_999_999


def test_vehicle_records_without_a_source_system_are_the_vehicle_master_s(tmp_path: Path) -> None:
    """D14: records *may* carry `sourceSystem`; a delivery written without it keeps every vehicle."""
    vehicles = [de_vehicle(sourceSystem=...), ch_vehicle(sourceSystem=...)]
    into = imported(tmp_path, vehicles=vehicles, events=[dss("DSS-1", "2023-03-10", 15000)])
    assert rejects(into) == []
    assert [v["vin"] for v in read_jsonl(prepared_file(into, "vehicles.jsonl"))] == [CH_VIN, DE_VIN]
    assert [e["eventId"] for e in events(into)] == ["DSS-1"]
    assert {v["sourceSystem"] for v in read_jsonl(prepared_file(into, "raw/vehicles.jsonl"))} == {"VMS"}


def test_a_vehicle_record_without_a_source_system_and_a_vms_record_of_one_vin_are_one_key(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle(sourceSystem=...), de_vehicle(usage="TAXI")])
    assert [(r["line"], r["code"]) for r in rejects(into)] == [(2, "DUPLICATE_KEY")]


def test_vehicle_reject_names_its_key(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle(market="XX")])
    assert only_reject(into)["key"] == f"{DE_VIN}/VMS"


def test_reg_record_without_a_vms_record_must_describe_the_whole_vehicle(tmp_path: Path) -> None:
    reg = {"vin": DE_VIN, "sourceSystem": "REG", "handoverDate": "2022-03-15", "market": "DE"}
    into = imported(tmp_path, vehicles=[reg])
    reject = only_reject(into)
    assert reject["code"] == "MISSING_FIELD"
    assert "modelCode" in reject["message"]


def test_lowercase_vin_is_stored_upper_case_and_found_by_events(tmp_path: Path) -> None:
    into = imported(
        tmp_path, vehicles=[de_vehicle(vin=DE_VIN.lower())], events=[dss("DSS-1", "2023-03-10", 15000, vin=DE_VIN)]
    )
    assert rejects(into) == []
    assert events(into)[0]["vin"] == DE_VIN


# --- service events -----------------------------------------------------------------------------------------


def event_rejects(tmp_path: Path, bad: Record) -> list[str]:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-OK", "2023-03-10", 15000), bad])
    assert [e["eventId"] for e in events(into)] == ["DSS-OK"]
    assert {r["line"] for r in rejects(into)} == {2}
    return reject_codes(into)


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (dss("DSS-X", "2024-03-10", 30000, item("OIL_CHANGE")), "UNKNOWN_ITEM_CODE"),
        (dss("DSS-X", "2024-03-10", 30000, item("OP-OIL_SVC_FLEX")), "UNKNOWN_ITEM_CODE"),
        (dss("DSS-X", "2024-03-10", 30000, item("TECH_CAMPAIGN", campaign="TC-99-999")), "UNKNOWN_CAMPAIGN"),
        (dss("DSS-X", "2024-03-10", 30000, item("TECH_CAMPAIGN")), "MISSING_FIELD"),
        (dss("DSS-X", "2024-03-10", -1), "NEGATIVE_ODOMETER"),
        (dss("DSS-X", "2024-03-10", 30000, vin=UNKNOWN_VIN), "VEHICLE_NOT_FOUND"),
        (dss("DSS-X", "2024-03-10", 30000, vin="WXVZZZB8ZNW01234"), "INVALID_VIN_FORMAT"),
        (dss("DSS-X", "2022-03-14", 10), "EVENT_BEFORE_HANDOVER"),
        (dss("DSS-X", "2024-13-01", 30000), "INVALID_DATE"),
        (dss("DSS-X", "9999-01-01", 30000), "DATE_OUT_OF_RANGE"),
        (dss("DSS-X", "2024-03-10", 10**30), "VALUE_OUT_OF_RANGE"),
        (dss("DSS-X", "2024-03-10", 2**31), "VALUE_OUT_OF_RANGE"),  # beyond GraphQL's Int
        (dss("DSS-X", "2024-03-10", 10_000_000), "VALUE_OUT_OF_RANGE"),  # eight digits: no odometer reads that
        (changed(dss("DSS-X", "2024-03-10", 30000), {"odometer": ...}), "MISSING_FIELD"),
        (dss("DSS-X", "2024-03-10", 30000, items=...), "MISSING_FIELD"),
        (changed(dss("DSS-X", "2024-03-10", 30000), {"odometer": 30000.5}), "INVALID_FIELD"),
        (dss("DSS-X", "2024-03-10", 30000, sourceSystem="WEB"), "INVALID_FIELD"),
        (dss("DSS-X", "2024-03-10", 30000, authorisedWorkshop="yes"), "INVALID_FIELD"),
        (dss("DSS-X", "2024-03-10", 30000, items=["OIL_SVC_FLEX"]), "INVALID_FIELD"),
        (dss("DSS-X", "2024-03-10", 30000, invoiceTotal="12,50"), "INVALID_FIELD"),
        (dms("RO000009", "2024-03-10", 30000, item("TECH_CAMPAIGN", campaign="TC-99-999")), "UNKNOWN_CAMPAIGN"),
        (dms("RO000009", "2024-03-10", -5), "NEGATIVE_ODOMETER"),
    ],
)
def test_bad_service_event_is_rejected_with_its_code(tmp_path: Path, bad: Record, code: str) -> None:
    assert event_rejects(tmp_path, bad) == [code]


def test_event_on_the_handover_date_is_accepted(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2022-03-15", 0)])
    assert rejects(into) == []


def test_event_before_a_fallback_handover_is_rejected(tmp_path: Path) -> None:
    # production 2022-01-20 + 30 days = handover 2022-02-19 (D14)
    into = imported(
        tmp_path,
        vehicles=[de_vehicle(handoverDate=...)],
        events=[dss("DSS-1", "2022-02-18", 10), dss("DSS-2", "2022-02-19", 10)],
    )
    assert [(r["key"], r["code"]) for r in rejects(into)] == [("DSS-1", "EVENT_BEFORE_HANDOVER")]


def test_unknown_dms_item_is_not_a_reject(tmp_path: Path) -> None:
    into = imported(
        tmp_path, vehicles=[de_vehicle()], events=[dms("RO000001", "2023-03-10", 15000, item("Bremsen entlueftet"))]
    )
    assert rejects(into) == []
    assert events(into)[0]["items"] == [
        {"itemCode": "OTHER", "performed": True, "campaignCode": None, "note": "Bremsen entlueftet"}
    ]


def test_dms_reject_is_keyed_by_vin_workshop_and_repair_order(tmp_path: Path) -> None:
    # D23 numbers repair orders per vehicle, so (workshop, RO) alone repeats across vehicles
    into = imported(
        tmp_path, vehicles=[de_vehicle()], events=[dms("RO000001", "2023-03-10", -1, workshopCode="DE-031")]
    )
    assert only_reject(into)["key"] == f"{DE_VIN}/DE-031/RO000001"


def test_the_same_repair_order_number_for_two_vehicles_is_two_records(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle(), ch_vehicle()],
        events=[dms("RO000001", "2023-03-10", 15000), dms("RO000001", "2024-03-10", 20000, vin=CH_VIN)],
    )
    assert rejects(into) == []
    assert [e["vin"] for e in events(into)] == [CH_VIN, DE_VIN]


def test_a_key_repeated_within_one_delivery_is_rejected_and_the_first_record_kept(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dss("DSS-2", "2023-09-10", 20000),
            dss("DSS-1", "2023-03-10", 15500),
        ],
    )
    assert [(r["line"], r["key"], r["code"]) for r in rejects(into)] == [(3, "DSS-1", "DUPLICATE_KEY")]
    assert "line 1" in rejects(into)[0]["message"]
    assert [(e["eventId"], e["odometer"]) for e in events(into)] == [("DSS-1", 15000), ("DSS-2", 20000)]


# --- contracts and campaign vehicles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"productTypeCode": "MAINT_GOLD_99"}, "UNKNOWN_PRODUCT"),
        ({"vin": UNKNOWN_VIN}, "VEHICLE_NOT_FOUND"),
        ({"endDate": "2022-03-14"}, "INVALID_DATE_RANGE"),
        ({"startDate": "2022-3-15"}, "INVALID_DATE"),
        ({"maxOdometer": -45000}, "NEGATIVE_ODOMETER"),
        ({"maxOdometer": 10**30}, "VALUE_OUT_OF_RANGE"),
        ({"endDate": "9999-12-31"}, "DATE_OUT_OF_RANGE"),
        ({"purchaseOdometer": -1}, "NEGATIVE_ODOMETER"),
        ({"status": "PAUSED"}, "INVALID_FIELD"),
        ({"sourceSystem": "DMS"}, "INVALID_FIELD"),
        ({"contractId": ...}, "MISSING_FIELD"),
    ],
)
def test_bad_contract_is_rejected_with_its_code(tmp_path: Path, changes: dict[str, Any], code: str) -> None:
    contracts = [contract("SC-DE-000001"), contract("SC-DE-000002", **changes)]
    into = imported(tmp_path, vehicles=[de_vehicle()], contracts=contracts)
    assert (only_reject(into)["file"], only_reject(into)["code"]) == ("contracts.jsonl", code)
    assert [c["contractId"] for c in read_jsonl(prepared_file(into, "contracts.jsonl"))] == ["SC-DE-000001"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"campaignCode": "TC-99-999"}, "UNKNOWN_CAMPAIGN"),
        ({"vin": UNKNOWN_VIN}, "VEHICLE_NOT_FOUND"),
        ({"status": "DONE"}, "INVALID_FIELD"),
    ],
)
def test_bad_campaign_vehicle_is_rejected_with_its_code(tmp_path: Path, changes: dict[str, Any], code: str) -> None:
    into = imported(tmp_path, vehicles=[ch_vehicle()], campaigns=[campaign_vehicle(**changes)])
    reject = only_reject(into)
    assert (reject["file"], reject["line"], reject["code"]) == ("campaign_vehicles.jsonl", 1, code)


def test_campaign_vehicle_reject_is_keyed_by_campaign_and_vin(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[ch_vehicle()], campaigns=[campaign_vehicle(vin=UNKNOWN_VIN)])
    assert only_reject(into)["key"] == f"{CAMPAIGN}/{UNKNOWN_VIN}"


# --- lines that are not records -----------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["{not json", '["a", "list"]', "42", '{"odometer": NaN}'])
def test_a_line_that_is_not_a_json_object_is_rejected_with_its_line_number(tmp_path: Path, line: str) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 15000), line])
    (reject,) = rejects(into)
    assert (reject["file"], reject["line"], reject["key"]) == ("service_events.jsonl", 2, None)
    assert reject["code"] == "INVALID_JSON"
    assert reject["message"].startswith("Line 2 ")
    assert [e["eventId"] for e in events(into)] == ["DSS-1"]


def test_blank_lines_are_skipped_but_counted_in_line_numbers(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle(), "", "   ", "oops"])
    assert [(r["line"], r["code"]) for r in rejects(into)] == [(4, "INVALID_JSON")]


def test_a_line_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    (source / "service_events.jsonl").write_bytes(b'{"eventId": "DSS-\xff"}\n')
    into = tmp_path / "prepared"
    assert import_delivery(source, into) == 0
    assert [(r["line"], r["code"]) for r in rejects(into)] == [(1, "INVALID_JSON")]


def test_json_numbers_for_money_are_read_as_exact_decimals(tmp_path: Path) -> None:
    source = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    line = json.dumps(dms("RO000001", "2023-03-10", 15000)).replace('"412.50"', "312.40")
    (source / "service_events.jsonl").write_text(line + "\n")
    into = tmp_path / "prepared"
    assert import_delivery(source, into) == 0
    assert events(into)[0]["invoiceTotal"] == "312.40"
