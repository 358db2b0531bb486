"""The embedded store: loads a prepared directory, answers batches in key order, refuses other directories."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle, VehicleFile
from store import EmbeddedStore, PreparedDataError, Store, load_vehicle_file, vehicle_file, versions
from store import prepared as fmt
from store.base import StoreUnavailable
from store.embedded import RECORDED_EVENTS
from tests.preparation.deliveries import (
    CAMPAIGN,
    CH_VIN,
    DE_VIN,
    campaign_vehicle,
    ch_vehicle,
    contract,
    de_vehicle,
    deliver,
    dms,
    dss,
    import_delivery,
    imported,
    item,
)

VEHICLE = Vehicle(
    vin=DE_VIN, model_code="VRN-BLT-8", engine_code="P15T4-110B", transmission="DSG7D", drive="FWD", model_year=2022,
    production_date=date(2022, 1, 20), handover_date=date(2022, 3, 15), market="DE", equipment_codes=("SRX6", "SPW1"),
    annual_distance=15000, compliance_profile="PUNCTUAL",
)  # fmt: skip


def event(event_id: str, when: date, odometer: int, vin: str = DE_VIN) -> ServiceEvent:
    return ServiceEvent(
        event_id=event_id, vin=vin, date=when, odometer=odometer, workshop_code="DE-007", authorised_workshop=True,
        source_systems=("DSS",), source_refs=(event_id,), items=(EventItem("OIL_SVC_FLEX"),),
        effective_odometer=odometer,
    )  # fmt: skip


def write_prepared(
    directory: Path,
    vehicles: list[Vehicle],
    events: list[ServiceEvent] | None = None,
    contracts: list[ServiceContract] | None = None,
    campaigns: list[CampaignVehicle] | None = None,
) -> Path:
    """A prepared data-set directory written straight from records, in the order given."""
    files = {
        fmt.VEHICLES: [fmt.vehicle_to_json(v) for v in vehicles],
        fmt.SERVICE_EVENTS: [fmt.event_to_json(e) for e in events or []],
        fmt.CONTRACTS: [fmt.contract_to_json(c) for c in contracts or []],
        fmt.CAMPAIGN_VEHICLES: [fmt.campaign_vehicle_to_json(c) for c in campaigns or []],
    }
    content = {name: "".join(fmt.dumps(r) + "\n" for r in records).encode() for name, records in files.items()}
    with versions.writing(directory) as writer:
        writer.publish(content)
    return directory


def served(directory: Path, name: str) -> Path:
    return versions.served(directory) / name


def test_an_imported_delivery_loads_into_the_records_the_calculation_reads(tmp_path: Path) -> None:
    into = imported(
        tmp_path,
        vehicles=[de_vehicle(), ch_vehicle()],
        events=[
            dss("DSS-1", "2023-03-10", 15000, item("OIL_SVC_FLEX"), item("INSP_B")),
            dms("RO000001", "2023-03-11", 15030, item("Oelwechsel"), invoiceTotal="412.50", currency="EUR"),
            dss("DSS-2", "2024-03-10", 1500),
        ],
        contracts=[contract()],
        campaigns=[campaign_vehicle(CH_VIN, "OPEN")],
    )
    file = load_vehicle_file(EmbeddedStore.load(into), DE_VIN)
    assert file is not None
    assert file.vehicle == VEHICLE
    assert file.events == (
        ServiceEvent(
            event_id="DSS-1", vin=DE_VIN, date=date(2023, 3, 10), odometer=15000, workshop_code="DE-007",
            authorised_workshop=True, source_systems=("DSS", "DMS"), source_refs=("DSS-1", "RO000001"),
            items=(EventItem("OIL_SVC_FLEX"), EventItem("INSP_B"), EventItem("OTHER", note="Oelwechsel")),
            plausibility="OK", effective_odometer=15000, invoice_total=Decimal("412.50"), currency="EUR",
        ),
        ServiceEvent(
            event_id="DSS-2", vin=DE_VIN, date=date(2024, 3, 10), odometer=1500, workshop_code="DE-007",
            authorised_workshop=True, source_systems=("DSS",), source_refs=("DSS-2",),
            items=(EventItem("OIL_SVC_FLEX"),), plausibility="ROLLBACK", effective_odometer=15000,
        ),
    )  # fmt: skip
    assert file.events[1].anchor_odometer == 15000
    assert file.contracts == (
        ServiceContract(
            contract_id="SC-DE-000001", vin=DE_VIN, product_type_code="MAINT_BASIC_36_45",
            start_date=date(2022, 3, 15), end_date=date(2025, 3, 15), max_odometer=45000, status="ACTIVE",
            purchase_date=date(2022, 3, 15), purchase_odometer=0,
        ),
    )  # fmt: skip
    assert file.campaigns == ()
    ch = load_vehicle_file(EmbeddedStore.load(into), CH_VIN)
    assert ch is not None and ch.campaigns == (CampaignVehicle(CAMPAIGN, CH_VIN, "OPEN"),)


def test_batches_answer_in_the_order_asked_with_none_or_empty_for_unknown_vins(tmp_path: Path) -> None:
    other = replace(VEHICLE, vin=CH_VIN, market="CH")
    directory = write_prepared(
        tmp_path / "p",
        [VEHICLE, other],
        events=[event("E-1", date(2023, 1, 1), 9000, vin=CH_VIN)],
        contracts=[
            ServiceContract("SC-1", DE_VIN, "MAINT_BASIC_36_45", date(2022, 3, 15), date(2025, 3, 15), 45000, "ACTIVE")
        ],
    )
    store = EmbeddedStore.load(directory)
    keys = [CH_VIN, "WXVZZZB8ZNW099999", DE_VIN]
    assert asyncio.run(store.vehicles(keys)) == [other, None, VEHICLE]
    assert [len(e) for e in asyncio.run(store.service_events(keys))] == [1, 0, 0]
    assert [len(c) for c in asyncio.run(store.contracts(keys))] == [0, 0, 1]
    assert asyncio.run(store.campaign_vehicles(keys)) == [(), (), ()]


def test_events_come_oldest_first_by_date_odometer_and_event_id(tmp_path: Path) -> None:
    stored = [
        event("E-3", date(2023, 5, 1), 20000),
        event("E-2", date(2023, 5, 1), 19000),
        event("E-1", date(2023, 5, 1), 20000),
        event("E-0", date(2022, 9, 1), 7000),
    ]
    store = EmbeddedStore.load(write_prepared(tmp_path / "p", [VEHICLE], events=stored))
    (found,) = asyncio.run(store.service_events([DE_VIN]))
    assert [e.event_id for e in found] == ["E-0", "E-2", "E-1", "E-3"]


def test_vehicle_file_is_none_for_an_unknown_vin(tmp_path: Path) -> None:
    store = EmbeddedStore.load(write_prepared(tmp_path / "p", [VEHICLE]))
    assert load_vehicle_file(store, "WXVZZZB8ZNW099999") is None


def test_async_callers_await_vehicle_file(tmp_path: Path) -> None:
    store: Store = EmbeddedStore.load(write_prepared(tmp_path / "p", [VEHICLE]))
    assert asyncio.run(vehicle_file(store, DE_VIN)) == VehicleFile(vehicle=VEHICLE)


def test_a_missing_directory_is_not_a_prepared_data_set(tmp_path: Path) -> None:
    with pytest.raises(PreparedDataError, match="no such directory"):
        EmbeddedStore.load(tmp_path / "nowhere")


def test_a_raw_delivery_is_not_a_prepared_data_set(tmp_path: Path) -> None:
    delivery = deliver(tmp_path / "delivery", vehicles=[de_vehicle()])
    with pytest.raises(PreparedDataError, match=r"not a prepared data set: it has no 'current' .*aftersales import"):
        EmbeddedStore.load(delivery)


def test_a_foreign_manifest_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    served(directory, fmt.MANIFEST).write_text('{"format": "something-else"}')
    with pytest.raises(PreparedDataError, match="does not name"):
        EmbeddedStore.load(directory)


def test_another_format_version_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    served(directory, fmt.MANIFEST).write_text(json.dumps({"format": fmt.FORMAT, "version": fmt.VERSION + 1}))
    with pytest.raises(PreparedDataError, match="version"):
        EmbeddedStore.load(directory)


def test_a_file_changed_after_the_import_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE, replace(VEHICLE, vin=CH_VIN)])
    lines = served(directory, fmt.VEHICLES).read_text().splitlines()
    served(directory, fmt.VEHICLES).write_text(lines[0] + "\n" + lines[1].replace('"DE"', '"CH"') + "\n")
    with pytest.raises(PreparedDataError, match=r"vehicles.jsonl does not match the record count and SHA-256"):
        EmbeddedStore.load(directory)


def test_a_file_cut_short_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE, replace(VEHICLE, vin=CH_VIN)])
    content = served(directory, fmt.VEHICLES).read_bytes()
    served(directory, fmt.VEHICLES).write_bytes(content[: content.index(b"\n") + 1])
    with pytest.raises(PreparedDataError, match=r"vehicles.jsonl does not match"):
        EmbeddedStore.load(directory)


def test_a_manifest_that_counts_other_records_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    manifest = json.loads(served(directory, fmt.MANIFEST).read_text())
    manifest["files"][fmt.VEHICLES]["records"] = 2
    served(directory, fmt.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(PreparedDataError, match=r"vehicles.jsonl does not match the record count"):
        EmbeddedStore.load(directory)


def publish_vehicle_lines(directory: Path, lines: list[str]) -> Path:
    """A data set whose vehicles file holds `lines` as they are (the manifest matches them), the others empty."""
    files = {name: b"" for name in (fmt.SERVICE_EVENTS, fmt.CONTRACTS, fmt.CAMPAIGN_VEHICLES)}
    with versions.writing(directory) as writer:
        writer.publish({**files, fmt.VEHICLES: "".join(line + "\n" for line in lines).encode()})
    return directory


def test_an_undecodable_record_fails_its_vin_only_named_by_file_and_line(tmp_path: Path) -> None:
    good = fmt.dumps(fmt.vehicle_to_json(VEHICLE))
    store = EmbeddedStore.load(publish_vehicle_lines(tmp_path / "p", [good, '{"vin": "X"}']))
    for _ in range(2):  # every time, not as an unknown vehicle once it failed
        with pytest.raises(StoreUnavailable, match=r"vehicles.jsonl: line 2 is not a prepared record"):
            asyncio.run(store.vehicles(["X"]))
    assert asyncio.run(store.vehicles([DE_VIN])) == [VEHICLE]
    assert store.vins() == sorted([DE_VIN, "X"])


@pytest.mark.parametrize(("line", "refusal"), [("not json", "line 1 is not a JSON object"),
                                                ("[1, 2]", "line 1 is not a JSON object"),
                                                ('{"modelCode": "VRN-BLT-8"}', "line 1 has no VIN")])  # fmt: skip
def test_a_line_without_a_vin_is_refused_at_load(tmp_path: Path, line: str, refusal: str) -> None:
    with pytest.raises(PreparedDataError, match=rf"vehicles.jsonl {refusal}"):
        EmbeddedStore.load(publish_vehicle_lines(tmp_path / "p", [line]))


def test_a_record_whose_vin_is_not_where_the_writer_puts_it_is_not_served_under_another(tmp_path: Path) -> None:
    # a nested "vin" before the top-level one: the line is indexed under the nested VIN, and the decoded record
    # (of another VIN) is refused rather than served for it
    record = fmt.vehicle_to_json(VEHICLE)
    line = json.dumps({"note": {"vin": CH_VIN}, **record}, separators=(",", ":"))
    store = EmbeddedStore.load(publish_vehicle_lines(tmp_path / "p", [line]))
    with pytest.raises(StoreUnavailable, match="line 1 has its VIN in an unexpected place"):
        asyncio.run(store.vehicles([CH_VIN]))


def test_records_are_decoded_when_first_asked_for_and_then_kept(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE], events=[event("E-2", date(2024, 5, 1), 20_000),
                                                                  event("E-1", date(2023, 5, 1), 10_000)])  # fmt: skip
    store = EmbeddedStore.load(directory)
    (first,) = asyncio.run(store.service_events([DE_VIN]))
    assert [e.event_id for e in first] == ["E-1", "E-2"]  # in history order, whatever the file's order
    (again,) = asyncio.run(store.service_events([DE_VIN]))
    assert again is first
    assert asyncio.run(store.service_events([CH_VIN])) == [()]


def test_a_directory_of_the_older_single_version_layout_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / fmt.MANIFEST).write_text(json.dumps({"format": fmt.FORMAT, "version": 1, "records": {}}))
    (tmp_path / "old" / fmt.VEHICLES).write_text("")
    with pytest.raises(PreparedDataError, match=r"older format .*re-import the deliveries into a new directory"):
        EmbeddedStore.load(tmp_path / "old")


def test_a_version_directory_named_instead_of_its_data_set_is_refused_with_a_hint(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    with pytest.raises(PreparedDataError, match=r"is one version of the data set .*/p: name that directory"):
        EmbeddedStore.load(versions.served(directory))


def test_a_pointer_to_a_missing_version_is_refused(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    (directory / versions.CURRENT).write_text("000042\n")
    with pytest.raises(PreparedDataError, match=r"names the version '000042'"):
        EmbeddedStore.load(directory)


def test_a_missing_prepared_file_is_named(tmp_path: Path) -> None:
    directory = write_prepared(tmp_path / "p", [VEHICLE])
    served(directory, fmt.CONTRACTS).unlink()
    with pytest.raises(PreparedDataError, match=r"contracts\.jsonl is missing"):
        EmbeddedStore.load(directory)


def test_two_thousand_vehicles_with_ten_events_each_load_completely(tmp_path: Path) -> None:
    vehicles = [replace(VEHICLE, vin=f"WXVZZZB8ZNW{n:06d}") for n in range(2000)]
    events = [
        event(f"DSS-{v.vin}-{k:03d}", v.handover_date + timedelta(days=365 * k), 15000 * k, vin=v.vin)
        for v in vehicles
        for k in range(1, 11)
    ]
    directory = write_prepared(tmp_path / "p", vehicles, events=events)
    store = EmbeddedStore.load(directory)
    counts = asyncio.run(store.service_events([v.vin for v in vehicles]))
    assert [len(c) for c in counts] == [10] * 2000


def test_events_recorded_through_the_api_survive_a_re_import(tmp_path: Path) -> None:
    into = imported(tmp_path, vehicles=[de_vehicle()], events=[dss("DSS-1", "2023-03-10", 15000)])
    recorded = event("API-1", date(2024, 5, 1), 30000)
    asyncio.run(EmbeddedStore.load(into).record_event(recorded, "key-1", "fingerprint-1"))
    later = deliver(tmp_path / "later", vehicles=[de_vehicle(usage="TAXI")], events=[dss("DSS-2", "2025-03-10", 45000)])
    assert import_delivery(later, into) == 0
    assert (into / RECORDED_EVENTS).exists() and not (versions.served(into) / RECORDED_EVENTS).exists()
    file = load_vehicle_file(EmbeddedStore.load(into), DE_VIN)
    assert file is not None and file.vehicle.usage == "TAXI"
    assert [e.event_id for e in file.events] == ["DSS-1", "API-1", "DSS-2"]
