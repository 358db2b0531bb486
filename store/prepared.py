"""The prepared data-set format: file names, manifest, and the JSON form of every prepared record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle

FORMAT = "aftersales-prepared"
VERSION = 2
"""2: versioned layout (`store.versions`), manifest with the record count and SHA-256 of every file."""
MANIFEST = "manifest.json"
VEHICLES = "vehicles.jsonl"
SERVICE_EVENTS = "service_events.jsonl"
CONTRACTS = "contracts.jsonl"
CAMPAIGN_VEHICLES = "campaign_vehicles.jsonl"
REJECTS = "rejects.jsonl"
RAW_DIR = "raw"
"""Sub-directory with the accepted raw records every import recomputes the prepared view from."""


class PreparedDataError(ValueError):
    """A directory that is not a prepared data set, or a prepared file that cannot be read."""


def dumps(record: Mapping[str, Any]) -> str:
    """One JSON Lines line: compact and key order as given, so equal data gives equal bytes."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def manifest(files: Mapping[str, bytes]) -> bytes:
    """The manifest of a version's files (relative path → content): the record count and SHA-256 of each."""
    entries = {
        name: {"records": content.count(b"\n"), "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in sorted(files.items())
    }
    return (json.dumps({"format": FORMAT, "version": VERSION, "files": entries}, indent=2) + "\n").encode()


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a version directory; PreparedDataError unless it is of this format and version."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise PreparedDataError(f"{directory} is not a prepared data set: {MANIFEST} is missing") from None
    except (OSError, ValueError) as exc:
        raise PreparedDataError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PreparedDataError(f"{directory} is not a prepared data set: {MANIFEST} does not name {FORMAT!r}")
    if data.get("version") != VERSION:
        raise PreparedDataError(
            f"{directory} holds prepared data version {data.get('version')!r}; this program reads version "
            f"{VERSION} (re-import the deliveries into a new directory)"
        )
    if not isinstance(data.get("files"), dict):
        raise PreparedDataError(f"{path} lists no files")
    return data


def read_file(directory: Path, manifest: Mapping[str, Any], name: str) -> bytes:
    """A file of a version directory, checked against the manifest's record count and SHA-256: a file
    changed or cut short after the import is refused rather than served."""
    path = directory / name
    entry = manifest["files"].get(name)
    if not isinstance(entry, dict):
        raise PreparedDataError(f"{directory / MANIFEST} does not list {name}")
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise PreparedDataError(f"{directory} is not a complete prepared data set: {name} is missing") from None
    except OSError as exc:
        raise PreparedDataError(f"{path} cannot be read: {exc}") from None
    if hashlib.sha256(content).hexdigest() != entry.get("sha256") or content.count(b"\n") != entry.get("records"):
        raise PreparedDataError(
            f"{path} does not match the record count and SHA-256 in {MANIFEST}: the file was changed or damaged "
            "after the import"
        )
    return content


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _opt_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _opt_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def vehicle_to_json(v: Vehicle) -> dict[str, Any]:
    return {
        "vin": v.vin, "modelCode": v.model_code, "engineCode": v.engine_code, "transmission": v.transmission,
        "drive": v.drive, "modelYear": v.model_year, "productionDate": v.production_date.isoformat(),
        "handoverDate": v.handover_date.isoformat(), "market": v.market, "equipmentCodes": list(v.equipment_codes),
        "usage": v.usage, "tuned": v.tuned, "totalLossRebuilt": v.total_loss_rebuilt,
        "annualDistance": v.annual_distance, "complianceProfile": v.compliance_profile,
    }  # fmt: skip


def vehicle_from_json(d: Mapping[str, Any]) -> Vehicle:
    return Vehicle(
        vin=d["vin"], model_code=d["modelCode"], engine_code=d["engineCode"], transmission=d["transmission"],
        drive=d["drive"], model_year=d["modelYear"], production_date=date.fromisoformat(d["productionDate"]),
        handover_date=date.fromisoformat(d["handoverDate"]), market=d["market"],
        equipment_codes=tuple(d["equipmentCodes"]), usage=d["usage"], tuned=d["tuned"],
        total_loss_rebuilt=d["totalLossRebuilt"], annual_distance=d["annualDistance"],
        compliance_profile=d["complianceProfile"],
    )  # fmt: skip


def event_to_json(e: ServiceEvent) -> dict[str, Any]:
    return {
        "eventId": e.event_id, "vin": e.vin, "date": e.date.isoformat(), "odometer": e.odometer,
        "effectiveOdometer": e.anchor_odometer, "plausibility": e.plausibility, "workshopCode": e.workshop_code,
        "authorisedWorkshop": e.authorised_workshop, "sourceSystems": list(e.source_systems),
        "sourceRefs": list(e.source_refs),
        "items": [
            {"itemCode": i.code, "performed": i.performed, "campaignCode": i.campaign_code, "note": i.note}
            for i in e.items
        ],
        "invoiceTotal": _decimal(e.invoice_total), "currency": e.currency, "note": e.note,
    }  # fmt: skip


def event_from_json(d: Mapping[str, Any]) -> ServiceEvent:
    return ServiceEvent(
        event_id=d["eventId"], vin=d["vin"], date=date.fromisoformat(d["date"]), odometer=d["odometer"],
        effective_odometer=d["effectiveOdometer"], plausibility=d["plausibility"], workshop_code=d["workshopCode"],
        authorised_workshop=d["authorisedWorkshop"], source_systems=tuple(d["sourceSystems"]),
        source_refs=tuple(d["sourceRefs"]),
        items=tuple([
            EventItem(code=i["itemCode"], performed=i["performed"], campaign_code=i["campaignCode"], note=i["note"])
            for i in d["items"]
        ]),
        invoice_total=_opt_decimal(d["invoiceTotal"]), currency=d["currency"], note=d["note"],
    )  # fmt: skip


def contract_to_json(c: ServiceContract) -> dict[str, Any]:
    return {
        "contractId": c.contract_id, "vin": c.vin, "productTypeCode": c.product_type_code,
        "startDate": c.start_date.isoformat(), "endDate": c.end_date.isoformat(), "maxOdometer": c.max_odometer,
        "status": c.status, "purchaseDate": _date(c.purchase_date), "purchaseOdometer": c.purchase_odometer,
        "price": _decimal(c.price), "currency": c.currency,
    }  # fmt: skip


def contract_from_json(d: Mapping[str, Any]) -> ServiceContract:
    return ServiceContract(
        contract_id=d["contractId"], vin=d["vin"], product_type_code=d["productTypeCode"],
        start_date=date.fromisoformat(d["startDate"]), end_date=date.fromisoformat(d["endDate"]),
        max_odometer=d["maxOdometer"], status=d["status"], purchase_date=_opt_date(d["purchaseDate"]),
        purchase_odometer=d["purchaseOdometer"], price=_opt_decimal(d["price"]), currency=d["currency"],
    )  # fmt: skip


def campaign_vehicle_to_json(c: CampaignVehicle) -> dict[str, Any]:
    return {
        "campaignCode": c.campaign_code,
        "vin": c.vin,
        "status": c.status,
        "completedEventId": c.completed_event_id,
    }


def campaign_vehicle_from_json(d: Mapping[str, Any]) -> CampaignVehicle:
    return CampaignVehicle(
        campaign_code=d["campaignCode"], vin=d["vin"], status=d["status"], completed_event_id=d["completedEventId"]
    )
