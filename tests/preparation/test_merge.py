"""Merge rules of DOMAIN §7.4 as decided by D9–D14, observed in the prepared files after an import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.preparation.deliveries import (
    CAMPAIGN,
    CH_VIN,
    DE_VIN,
    GB_VIN,
    Record,
    campaign_vehicle,
    ch_vehicle,
    de_vehicle,
    deliver,
    dms,
    dss,
    events,
    gb_vehicle,
    import_delivery,
    imported,
    item,
    prepared_file,
    read_jsonl,
)


def by_id(into: Path) -> dict[str, Record]:
    return {e["eventId"]: e for e in events(into)}


# --- D11: DSS/DMS de-duplication ----------------------------------------------------------------------------


def test_dms_copy_within_one_day_and_50_km_merges_into_the_dss_event(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000, workshopCode="DE-007", authorisedWorkshop=True),
            dms(
                "RO000001",
                "2023-03-11",
                15050,
                workshopCode="DE-007",
                authorisedWorkshop=True,
                invoiceTotal="412.50",
                currency="EUR",
            ),
        ],
    )
    assert events(into) == [
        {
            "eventId": "DSS-1", "vin": DE_VIN, "date": "2023-03-10", "odometer": 15000, "effectiveOdometer": 15000,
            "plausibility": "OK", "workshopCode": "DE-007", "authorisedWorkshop": True,
            "sourceSystems": ["DSS", "DMS"], "sourceRefs": ["DSS-1", "RO000001"],
            "items": [{"itemCode": "OIL_SVC_FLEX", "performed": True, "campaignCode": None, "note": None}],
            "invoiceTotal": "412.50", "currency": "EUR", "note": None,
        }
    ]  # fmt: skip


def test_merged_event_keeps_the_dss_workshop_and_takes_the_invoice_from_dms(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss(
                "DSS-1",
                "2023-03-10",
                15000,
                workshopCode="DE-007",
                authorisedWorkshop=True,
                invoiceTotal="1.00",
                currency="EUR",
            ),
            dms(
                "RO000001",
                "2023-03-10",
                15000,
                workshopCode="DE-031",
                authorisedWorkshop=False,
                invoiceTotal="99.95",
                currency="EUR",
            ),
        ],
    )
    (event,) = events(into)
    assert (event["workshopCode"], event["authorisedWorkshop"]) == ("DE-007", True)
    assert (event["invoiceTotal"], event["currency"]) == ("99.95", "EUR")


@pytest.mark.parametrize(
    ("dms_date", "dms_odometer"),
    [("2023-03-12", 15000), ("2023-03-08", 15000), ("2023-03-10", 15051), ("2023-03-10", 14949)],
)
def test_dms_event_more_than_one_day_or_50_km_away_stays_a_separate_event(
    tmp_path: Path, dms_date: str, dms_odometer: int
) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000), dms("RO000001", dms_date, dms_odometer)],
    )
    assert sorted(e["sourceSystems"][0] for e in events(into)) == ["DMS", "DSS"]
    assert all(len(e["sourceSystems"]) == 1 for e in events(into))


def test_items_of_a_merged_event_are_the_union_by_item_code(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000, item("OIL_SVC_FLEX"), item("INSP_B", performed=False)),
            dms(
                "RO000001",
                "2023-03-10",
                15020,
                item("OP-INSP_B"),
                item("POLLEN_FILTER"),
                item("Scheibenwischwasser aufgefuellt"),
            ),
        ],
    )
    (event,) = events(into)
    # INSP_B counts as performed because DMS says so; items in catalogue order, unmapped text last (D13)
    assert [(i["itemCode"], i["note"]) for i in event["items"]] == [
        ("OIL_SVC_FLEX", None),
        ("INSP_B", None),
        ("POLLEN_FILTER", None),
        ("OTHER", "Scheibenwischwasser aufgefuellt"),
    ]


def test_matching_is_one_to_one_and_takes_the_closest_pair_first(tmp_path: Path) -> None:
    # DSS-2 is 0 days / 20 km from the DMS copy, DSS-1 1 day / 30 km: DSS-2 wins, DSS-1 stays alone.
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dss("DSS-2", "2023-03-11", 15010),
            dms("RO000001", "2023-03-11", 15030),
        ],
    )
    assert {i: e["sourceSystems"] for i, e in by_id(into).items()} == {"DSS-1": ["DSS"], "DSS-2": ["DSS", "DMS"]}


def test_each_dss_event_absorbs_at_most_one_dms_record(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dms("RO000001", "2023-03-10", 15040),
            dms("RO000002", "2023-03-10", 15010),
        ],
    )
    merged = by_id(into)
    assert merged["DSS-1"]["sourceRefs"] == ["DSS-1", "RO000002"]
    assert merged["DMS-RO000001"]["sourceSystems"] == ["DMS"]


def test_equal_distances_are_matched_in_dss_event_id_order(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-2", "2023-03-12", 15000),
            dss("DSS-1", "2023-03-10", 15000),
            dms("RO000001", "2023-03-11", 15000),
        ],
    )
    assert by_id(into)["DSS-1"]["sourceSystems"] == ["DSS", "DMS"]
    assert by_id(into)["DSS-2"]["sourceSystems"] == ["DSS"]


def test_duplicates_delivered_in_different_imports_still_merge(tmp_path: Path) -> None:
    into = tmp_path / "prepared"
    dms_first = deliver(tmp_path / "d1", vehicles=[de_vehicle()], events=[dms("RO000001", "2023-03-11", 15030)])
    dss_later = deliver(tmp_path / "d2", events=[dss("DSS-1", "2023-03-10", 15000)])
    assert import_delivery(dms_first, into) == 0
    assert import_delivery(dss_later, into) == 0
    (event,) = events(into)
    assert (event["eventId"], event["sourceSystems"]) == ("DSS-1", ["DSS", "DMS"])


def test_dms_item_as_labour_code_maps_to_the_item_and_free_text_is_kept_as_other(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dms("RO000001", "2023-03-10", 15000, item("OP-BRAKE_FLUID"), item("WIPER_BLADES"), item("OP-XYZ"))],
    )
    (event,) = events(into)
    assert [(i["itemCode"], i["note"]) for i in event["items"]] == [
        ("BRAKE_FLUID", None),
        ("WIPER_BLADES", None),
        ("OTHER", "OP-XYZ"),
    ]


def test_prepared_events_list_only_performed_items(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000, item("OIL_SVC_FLEX"), item("WIPER_BLADES", performed=False))],
    )
    assert [i["itemCode"] for i in events(into)[0]["items"]] == ["OIL_SVC_FLEX"]


# --- D12 / D9: odometer plausibility ------------------------------------------------------------------------


def test_reading_more_than_50_below_the_last_plausible_one_is_rollback_with_an_effective_odometer(
    tmp_path: Path,
) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dss("DSS-2", "2024-03-10", 3000),  # typo: 30,000 / 10
            dss("DSS-3", "2025-03-10", 45000),
        ],
    )
    found = by_id(into)
    assert (found["DSS-2"]["plausibility"], found["DSS-2"]["odometer"]) == ("ROLLBACK", 3000)
    assert found["DSS-2"]["effectiveOdometer"] == 15000  # D9: the last plausible reading before it
    # the next reading is compared with 15,000, not with the excluded 3,000
    assert (found["DSS-3"]["plausibility"], found["DSS-3"]["effectiveOdometer"]) == ("OK", 45000)


@pytest.mark.parametrize(("odometer", "plausibility"), [(14950, "OK"), (14949, "ROLLBACK")])
def test_a_reading_up_to_50_lower_is_still_plausible(tmp_path: Path, odometer: int, plausibility: str) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000), dss("DSS-2", "2023-06-10", odometer)],
    )
    assert by_id(into)["DSS-2"]["plausibility"] == plausibility


def test_rollback_event_still_lists_its_items(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2023-03-10", 15000), dss("DSS-2", "2024-03-10", 3000, item("BRAKE_FLUID"))],
    )
    assert [i["itemCode"] for i in by_id(into)["DSS-2"]["items"]] == ["BRAKE_FLUID"]


def test_rollback_effective_odometer_is_the_last_plausible_reading_on_or_before_its_date(tmp_path: Path) -> None:
    # Same day as the typo, a later-ordered plausible reading of 15,100 exists: D9 takes it.
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000),
            dss("DSS-2", "2024-03-10", 1510),
            dss("DSS-3", "2024-03-10", 15100),
        ],
    )
    found = by_id(into)
    assert (found["DSS-2"]["plausibility"], found["DSS-2"]["effectiveOdometer"]) == ("ROLLBACK", 15100)
    assert found["DSS-3"]["plausibility"] == "OK"


@pytest.mark.parametrize(("odometer", "plausibility"), [(1500, "OK"), (1501, "OUTLIER")])
def test_more_than_1500_km_per_day_is_outlier(tmp_path: Path, odometer: int, plausibility: str) -> None:
    # compared with the virtual reading (handover 2022-03-15, 0)
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2022-03-16", odometer)])
    assert events(into)[0]["plausibility"] == plausibility


def test_outlier_is_kept_with_its_own_odometer_and_is_the_next_reference(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2022-03-25", 40000), dss("DSS-2", "2022-03-26", 41000)],
    )
    found = by_id(into)
    assert (found["DSS-1"]["plausibility"], found["DSS-1"]["effectiveOdometer"]) == ("OUTLIER", 40000)
    assert found["DSS-2"]["plausibility"] == "OK"  # 1,000 km in one day after the outlier


def test_same_day_readings_are_never_outlier(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[dss("DSS-1", "2022-03-15", 5000), dss("DSS-2", "2023-03-10", 15000), dss("DSS-3", "2023-03-10", 25000)],
    )
    assert [e["plausibility"] for e in events(into)] == ["OK", "OK", "OK"]


@pytest.mark.parametrize(("odometer", "plausibility"), [(932, "OK"), (933, "OUTLIER")])
def test_mile_markets_use_932_miles_per_day(tmp_path: Path, odometer: int, plausibility: str) -> None:
    into = imported(tmp_path, vehicles=[gb_vehicle()], events=[dss("DSS-1", "2024-12-09", odometer, vin=GB_VIN)])
    assert events(into)[0]["plausibility"] == plausibility


def test_events_are_ordered_oldest_first_by_date_odometer_and_event_id(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle()],
        events=[
            dss("DSS-C", "2023-03-10", 15000),
            dss("DSS-B", "2023-03-10", 15000),
            dss("DSS-A", "2023-03-10", 15020),
            dss("DSS-Z", "2022-09-01", 7000),
        ],
    )
    assert [e["eventId"] for e in events(into)] == ["DSS-Z", "DSS-B", "DSS-C", "DSS-A"]


# --- D10: campaign completion -------------------------------------------------------------------------------


def campaigns(into: Path) -> list[Record]:
    return read_jsonl(prepared_file(into, "campaign_vehicles.jsonl"))


def test_tech_campaign_item_completes_the_open_campaign_vehicle(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[ch_vehicle()],
        events=[dss("DSS-1", "2025-02-03", 29640, item("TECH_CAMPAIGN", campaign=CAMPAIGN), vin=CH_VIN)],
        campaigns=[campaign_vehicle(CH_VIN, "OPEN")],
    )
    assert campaigns(into) == [
        {"campaignCode": CAMPAIGN, "vin": CH_VIN, "status": "COMPLETED", "completedEventId": "DSS-1"}
    ]


def test_tech_campaign_item_in_the_dms_copy_completes_with_the_merged_event(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[ch_vehicle()],
        events=[
            dss("DSS-1", "2025-02-03", 29640, vin=CH_VIN),
            dms("RO000001", "2025-02-04", 29650, item("TECH_CAMPAIGN", campaign=CAMPAIGN), vin=CH_VIN),
        ],
        campaigns=[campaign_vehicle(CH_VIN, "OPEN")],
    )
    assert campaigns(into)[0]["status"] == "COMPLETED"
    assert campaigns(into)[0]["completedEventId"] == "DSS-1"


@pytest.mark.parametrize("status", ["OPEN", "COMPLETED"])
def test_without_a_campaign_item_the_tcs_status_is_kept(tmp_path: Path, status: str) -> None:
    into = imported(
        tmp_path,
        vehicles=[ch_vehicle()],
        events=[
            dss("DSS-1", "2025-02-03", 29640, item("TECH_CAMPAIGN", performed=False, campaign=CAMPAIGN), vin=CH_VIN)
        ],
        campaigns=[campaign_vehicle(CH_VIN, status)],
    )
    assert campaigns(into)[0]["status"] == status


# --- D14: vehicle sources -----------------------------------------------------------------------------------


def vehicles(into: Path) -> list[Record]:
    return read_jsonl(prepared_file(into, "vehicles.jsonl"))


def test_vms_wins_over_reg_on_conflicting_fields_and_reg_fills_the_gaps(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[
            de_vehicle(sourceSystem="REG", market="AT", usage="FLEET", handoverDate="2022-04-01"),
            de_vehicle(sourceSystem="VMS", market="DE", usage=..., handoverDate=...),
        ],
    )
    (vehicle,) = vehicles(into)
    assert (vehicle["market"], vehicle["usage"], vehicle["handoverDate"]) == ("DE", "FLEET", "2022-04-01")


def test_reg_record_delivered_later_updates_only_what_vms_leaves_open(tmp_path: Path) -> None:
    into = tmp_path / "prepared"
    assert import_delivery(deliver(tmp_path / "d1", vehicles=[de_vehicle(handoverDate=...)]), into) == 0
    reg = {"vin": DE_VIN, "sourceSystem": "REG", "handoverDate": "2022-05-02", "market": "AT"}
    assert import_delivery(deliver(tmp_path / "d2", vehicles=[reg]), into) == 0
    (vehicle,) = vehicles(into)
    assert (vehicle["market"], vehicle["handoverDate"]) == ("DE", "2022-05-02")


def test_missing_handover_becomes_production_plus_30_days(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle(productionDate="2022-01-20", handoverDate=...)])
    assert vehicles(into)[0]["handoverDate"] == "2022-02-19"
