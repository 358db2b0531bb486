"""Builders for small raw deliveries (DOMAIN §7.2 field names) and helpers to import and read them back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cli
from store import versions

DE_VIN = "WXVZZZB8ZNW012345"  # worked example 1 (DE, KM, handover 2022-03-15)
GB_VIN = "TXNZZZS1ZSK257787"  # §7.5.2 vehicle 1 (GB, MI, handover 2024-12-08)
CH_VIN = "WXAZZZ5XZPN031882"  # worked example 3 (CH, AUX-50X-2 MY 2023, in scope of TC-25-031)
CAMPAIGN = "TC-25-031"

Record = dict[str, Any]
FILES = {
    "vehicles": "vehicles.jsonl",
    "events": "service_events.jsonl",
    "contracts": "contracts.jsonl",
    "campaigns": "campaign_vehicles.jsonl",
}


def de_vehicle(**changes: Any) -> Record:
    record: Record = {
        "vin": DE_VIN, "modelCode": "VRN-BLT-8", "engineCode": "P15T4-110B", "transmission": "DSG7D",
        "drive": "FWD", "modelYear": 2022, "productionDate": "2022-01-20", "handoverDate": "2022-03-15",
        "market": "DE", "odometerUnit": "KM", "equipmentCodes": ["SRX6", "SPW1"], "usage": "PRIVATE",
        "tuned": False, "totalLossRebuilt": False, "annualDistance": 15000, "complianceProfile": "PUNCTUAL",
        "sourceSystem": "VMS",
    }  # fmt: skip
    return changed(record, changes)


def gb_vehicle(**changes: Any) -> Record:
    record = de_vehicle(
        vin=GB_VIN, modelCode="NVK-SAV-1", engineCode="P15T4-110B", modelYear=2025, productionDate="2024-10-18",
        handoverDate="2024-12-08", market="GB", odometerUnit="MI", equipmentCodes=["SRX6", "TMS1"],
        annualDistance=9450,
    )  # fmt: skip
    return changed(record, changes)


def ch_vehicle(**changes: Any) -> Record:
    record = de_vehicle(
        vin=CH_VIN, modelCode="AUX-50X-2", engineCode="P20T4-140B", transmission="DSG7W", modelYear=2023,
        productionDate="2022-11-08", handoverDate="2023-02-10", market="CH",
    )  # fmt: skip
    return changed(record, changes)


def item(code: str, performed: bool = True, campaign: str | None = None) -> Record:
    entry: Record = {"itemCode": code, "performed": performed}
    if campaign is not None:
        entry["campaignCode"] = campaign
    return entry


def dss(event_id: str, when: str, odometer: int, *items: Record, vin: str = DE_VIN, **changes: Any) -> Record:
    record: Record = {
        "eventId": event_id, "vin": vin, "date": when, "odometer": odometer, "workshopCode": "DE-007",
        "authorisedWorkshop": True, "sourceSystem": "DSS", "sourceRef": event_id,
        "items": list(items) or [item("OIL_SVC_FLEX")],
    }  # fmt: skip
    return changed(record, changes)


def dms(ref: str, when: str, odometer: int, *items: Record, vin: str = DE_VIN, **changes: Any) -> Record:
    record: Record = {
        "eventId": f"DMS-{ref}", "vin": vin, "date": when, "odometer": odometer, "workshopCode": "DE-007",
        "authorisedWorkshop": True, "sourceSystem": "DMS", "sourceRef": ref,
        "items": list(items) or [item("OP-OIL_SVC_FLEX")], "invoiceTotal": "412.50", "currency": "EUR",
    }  # fmt: skip
    return changed(record, changes)


def contract(contract_id: str = "SC-DE-000001", vin: str = DE_VIN, **changes: Any) -> Record:
    record: Record = {
        "contractId": contract_id, "vin": vin, "productTypeCode": "MAINT_BASIC_36_45", "startDate": "2022-03-15",
        "endDate": "2025-03-15", "maxOdometer": 45000, "status": "ACTIVE", "purchaseDate": "2022-03-15",
        "purchaseOdometer": 0, "sourceSystem": "SCS",
    }  # fmt: skip
    return changed(record, changes)


def campaign_vehicle(vin: str = CH_VIN, status: str = "OPEN", **changes: Any) -> Record:
    return changed({"campaignCode": CAMPAIGN, "vin": vin, "status": status}, changes)


def changed(record: Record, changes: dict[str, Any]) -> Record:
    """`record` with `changes` applied; a change to `...` removes the field (e.g. `{"odometer": ...}`)."""
    result = {**record, **changes}
    return {name: value for name, value in result.items() if value is not ...}


def deliver(directory: Path, **files: Sequence[Record | str]) -> Path:
    """Writes a delivery: keyword = `vehicles`, `events`, `contracts` or `campaigns`; a str is a raw line."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind, records in files.items():
        lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
        (directory / FILES[kind]).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return directory


def import_delivery(source: Path, into: Path) -> int:
    return cli.main(["import", str(source), "--into", str(into)])


def imported(tmp_path: Path, **files: Sequence[Record | str]) -> Path:
    """Delivers `files`, imports them into a fresh prepared directory and returns that directory."""
    into = tmp_path / "prepared"
    assert import_delivery(deliver(tmp_path / "delivery", **files), into) == 0
    return into


def read_jsonl(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def prepared_file(into: Path, name: str) -> Path:
    """A file of the version the data-set directory `into` serves."""
    return versions.served(into) / name


def events(into: Path) -> list[Record]:
    return read_jsonl(prepared_file(into, "service_events.jsonl"))


def rejects(into: Path) -> list[Record]:
    return read_jsonl(prepared_file(into, "rejects.jsonl"))


def reject_codes(into: Path) -> list[str]:
    return [r["code"] for r in rejects(into)]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
