"""Accepted raw delivery records, their natural keys, and the JSON form the prepared directory keeps them in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from calculation.records import CampaignVehicle, ServiceContract

VMS, REG = "VMS", "REG"
DSS, DMS = "DSS", "DMS"

Key = tuple[str, ...]
"""A natural key (D11, §7.2): vehicle (VIN, source), DSS eventId, DMS (VIN, workshop, ref), contractId,
(campaign, VIN). DMS keys include the VIN because D23 numbers repair orders per vehicle (RO{k:06d})."""


@dataclass(frozen=True, slots=True)
class RawVehicle:
    """One VMS or REG record; a field the record does not carry is None (D14 fills it from the other source)."""

    vin: str
    source_system: str
    model_code: str | None = None
    engine_code: str | None = None
    transmission: str | None = None
    drive: str | None = None
    model_year: int | None = None
    production_date: date | None = None
    handover_date: date | None = None
    market: str | None = None
    odometer_unit: str | None = None
    equipment_codes: tuple[str, ...] | None = None
    usage: str | None = None
    tuned: bool | None = None
    total_loss_rebuilt: bool | None = None
    annual_distance: int | None = None
    compliance_profile: str | None = None

    @property
    def key(self) -> Key:
        return (self.vin, self.source_system)


@dataclass(frozen=True, slots=True)
class RawItem:
    """An event item as delivered (`text`) and as mapped (`code`: a catalogue code, or OTHER for DMS, D13)."""

    text: str
    code: str
    performed: bool
    campaign_code: str | None = None


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One DSS or DMS service event before de-duplication."""

    event_id: str
    vin: str
    date: date
    odometer: int
    workshop_code: str
    authorised_workshop: bool
    source_system: str
    source_ref: str
    items: tuple[RawItem, ...]
    invoice_total: Decimal | None = None
    currency: str | None = None

    @property
    def key(self) -> Key:
        if self.source_system == DSS:
            return (DSS, self.event_id)
        return (DMS, self.vin, self.workshop_code, self.source_ref)


def contract_key(contract: ServiceContract) -> Key:
    return (contract.contract_id,)


def campaign_vehicle_key(campaign: CampaignVehicle) -> Key:
    return (campaign.campaign_code, campaign.vin)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def vehicle_json(v: RawVehicle) -> dict[str, Any]:
    """The delivery form without the fields the record did not carry."""
    fields = {
        "vin": v.vin, "sourceSystem": v.source_system, "modelCode": v.model_code, "engineCode": v.engine_code,
        "transmission": v.transmission, "drive": v.drive, "modelYear": v.model_year,
        "productionDate": _iso(v.production_date), "handoverDate": _iso(v.handover_date), "market": v.market,
        "odometerUnit": v.odometer_unit,
        "equipmentCodes": None if v.equipment_codes is None else list(v.equipment_codes), "usage": v.usage,
        "tuned": v.tuned, "totalLossRebuilt": v.total_loss_rebuilt, "annualDistance": v.annual_distance,
        "complianceProfile": v.compliance_profile,
    }  # fmt: skip
    return {name: value for name, value in fields.items() if value is not None}


def event_json(e: RawEvent) -> dict[str, Any]:
    """The delivery form; items keep the text as delivered so that re-reading maps them the same way."""
    items = []
    for item in e.items:
        entry: dict[str, Any] = {"itemCode": item.text, "performed": item.performed}
        if item.campaign_code is not None:
            entry["campaignCode"] = item.campaign_code
        items.append(entry)
    record: dict[str, Any] = {
        "eventId": e.event_id, "vin": e.vin, "date": e.date.isoformat(), "odometer": e.odometer,
        "workshopCode": e.workshop_code, "authorisedWorkshop": e.authorised_workshop,
        "sourceSystem": e.source_system, "sourceRef": e.source_ref, "items": items,
    }  # fmt: skip
    if e.invoice_total is not None:
        record["invoiceTotal"] = str(e.invoice_total)
    if e.currency is not None:
        record["currency"] = e.currency
    return record
