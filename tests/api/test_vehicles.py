"""Vehicles by VIN over HTTP: the seed-42 vehicle master, VIN errors, unknown VINs, order and key limits."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.conftest import codes, graphql

VEHICLE_FIELDS = """
  vin market { code currency distanceUnit } brand { code name } model { code vehicleClass } engine { code fuel }
  transmission drive modelYear productionDate handoverDate equipmentCodes serviceRegime
"""


def test_vehicle_2_of_the_seed_42_table(client: TestClient) -> None:
    body = graphql(client, f'{{ vehicle(vin: "WXVZZZB8ZME456992") {{ {VEHICLE_FIELDS} }} }}')
    # DOMAIN §7.5.2, row 2
    assert body == {
        "data": {
            "vehicle": {
                "vin": "WXVZZZB8ZME456992",
                "market": {"code": "DE", "currency": "EUR", "distanceUnit": "KM"},
                "brand": {"code": "VRN", "name": "Vireon"},
                "model": {"code": "VRN-BLT-8", "vehicleClass": "S"},
                "engine": {"code": "P14H4-150B", "fuel": "PHEV"},
                "transmission": "DSG6W",
                "drive": "FWD",
                "modelYear": 2021,
                "productionDate": "2020-08-18",
                "handoverDate": "2020-11-25",
                "equipmentCodes": ["SRX1", "TMS1"],
                "serviceRegime": "FIXED",
            }
        }
    }


def test_lower_case_vin_finds_the_vehicle(client: TestClient) -> None:
    body = graphql(client, '{ vehicle(vin: "wxvzzzb8zme456992") { vin } }')
    assert body["data"]["vehicle"] == {"vin": "WXVZZZB8ZME456992"}


def test_unknown_vin_is_null_without_error(client: TestClient) -> None:
    assert graphql(client, '{ vehicle(vin: "WXVZZZB8ZME456993") { vin } }') == {"data": {"vehicle": None}}


def test_malformed_vins_get_domain_codes(client: TestClient) -> None:
    cases = {
        "WXVZZZB8ZNW01234O": "INVALID_VIN_FORMAT",
        "WXKSK2CR7RS012345": "CHECK_DIGIT_MISMATCH",
        "WXVZZZB8ZUW012345": "INVALID_MODEL_YEAR_CODE",
        "1M8GDM9AXKP042788": "UNKNOWN_WMI",
    }
    for vin, code in cases.items():
        body = graphql(client, "query($vin: String!) { vehicle(vin: $vin) { vin } }", {"vin": vin})
        assert body["data"] == {"vehicle": None}
        assert codes(body) == [code]
        assert body["errors"][0]["message"] and body["errors"][0]["path"] == ["vehicle"]


def test_vehicles_keep_the_order_asked_with_null_and_errors_in_place(client: TestClient, vins: list[str]) -> None:
    asked = [vins[5], "NOT-A-VIN", "WXVZZZB8ZME456993", vins[0]]
    body = graphql(client, "query($v: [String!]!) { vehicles(vins: $v) { vin } }", {"v": asked})
    assert body["data"]["vehicles"] == [{"vin": vins[5]}, None, None, {"vin": vins[0]}]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["vehicles", 1], "INVALID_VIN_FORMAT")]


def test_more_than_100_vins_is_too_many_keys(client: TestClient, vins: list[str]) -> None:
    body = graphql(client, "query($v: [String!]!) { vehicles(vins: $v) { vin } }", {"v": vins[:101]})
    assert body["data"] is None
    assert codes(body) == ["TOO_MANY_KEYS"]
    assert "100" in body["errors"][0]["message"]


def test_history_contracts_and_campaigns_of_a_vehicle(client: TestClient, vins: list[str]) -> None:
    query = """query($v: [String!]!) { vehicles(vins: $v) {
        serviceEvents { id date odometer sourceSystems items { code name } }
        contracts { id productTypeCode startDate endDate status } openCampaigns { code title } } }"""
    vehicles = graphql(client, query, {"v": vins[:100]})["data"]["vehicles"]
    events = [e for v in vehicles for e in v["serviceEvents"]]
    assert events and all(e["items"] for e in events)
    merged = [e for e in events if e["sourceSystems"] == ["DSS", "DMS"]]
    assert merged, "the generator's DMS duplicates arrive merged"
    for v in vehicles:
        dates = [(e["date"], e["odometer"]) for e in v["serviceEvents"]]
        assert [d for d, _ in dates] == sorted(d for d, _ in dates)
    assert any(v["contracts"] for v in vehicles)


def test_master_data_lists(client: TestClient) -> None:
    body = graphql(
        client, "{ markets { code } brands { code } oilNorms { code } serviceProducts { code kind } engines { code } }"
    )
    data = body["data"]
    assert [m["code"] for m in data["markets"]] == ["DE", "AT", "CH", "FR", "IT", "ES", "GB", "US", "CN", "JP"]
    assert len(data["brands"]) == 8 and len(data["oilNorms"]) == 27 and len(data["engines"]) == 32
    assert {"code": "MAINT_BASIC_36_45", "kind": "SERVICE_PLAN"} in data["serviceProducts"]
