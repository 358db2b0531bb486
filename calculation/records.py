"""The prepared source-system records the calculation reads: vehicle, service events, contracts, campaigns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle from the vehicle master (VMS) enriched with registration data (REG), DOMAIN §7.2."""

    vin: str
    model_code: str
    engine_code: str
    transmission: str
    drive: str
    model_year: int
    production_date: date
    handover_date: date
    market: str
    equipment_codes: tuple[str, ...]
    usage: str = "PRIVATE"
    tuned: bool = False
    total_loss_rebuilt: bool = False
    annual_distance: int | None = None
    compliance_profile: str | None = None


@dataclass(frozen=True, slots=True)
class EventItem:
    """One performed item of a service event; `OTHER` marks unmapped DMS text kept in `note`."""

    code: str
    performed: bool = True
    campaign_code: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceEvent:
    """A merged service event (DOMAIN §7.4): DSS and/or DMS, with its odometer plausibility.

    `plausibility` is one of the flags of `calculation.odometer` (D12); `effective_odometer` is the reading the due
    calculation uses: the event's own odometer, or for a ROLLBACK the last plausible reading (D9).
    """

    event_id: str
    vin: str
    date: date
    odometer: int
    workshop_code: str
    authorised_workshop: bool
    source_systems: tuple[str, ...]
    source_refs: tuple[str, ...]
    items: tuple[EventItem, ...]
    plausibility: str = "OK"
    effective_odometer: int | None = None
    invoice_total: Decimal | None = None
    currency: str | None = None
    note: str | None = None

    @property
    def anchor_odometer(self) -> int:
        return self.odometer if self.effective_odometer is None else self.effective_odometer

    def performed_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.items if i.performed)


def history_order(event: ServiceEvent) -> tuple[date, int, str]:
    """Oldest first: by date, then odometer, then event id (how every history is kept and served)."""
    return (event.date, event.odometer, event.event_id)


@dataclass(frozen=True, slots=True)
class ServiceContract:
    """A service plan or warranty extension from the service-contract system (SCS)."""

    contract_id: str
    vin: str
    product_type_code: str
    start_date: date
    end_date: date
    max_odometer: int | None
    status: str
    purchase_date: date | None = None
    purchase_odometer: int | None = None
    price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignVehicle:
    """A vehicle's assignment to a technical campaign (TCS), completed by a TECH_CAMPAIGN event item."""

    campaign_code: str
    vin: str
    status: str
    completed_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleFile:
    """Everything the calculation needs about one vehicle, as the store delivers it."""

    vehicle: Vehicle
    events: tuple[ServiceEvent, ...] = ()
    contracts: tuple[ServiceContract, ...] = ()
    campaigns: tuple[CampaignVehicle, ...] = field(default=())
