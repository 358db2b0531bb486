"""Small builders for calculation inputs, so that each test states only what it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from calculation.quote import QuoteRequest, compute
from calculation.records import EventItem, ServiceEvent, Vehicle, VehicleFile
from catalog import Catalog, default_catalog
from presentation.quote import service_quote

BASE = Vehicle(
    vin="WXVZZZB8ZNW012345",
    model_code="VRN-BLT-8",
    engine_code="P15T4-110B",
    transmission="DSG7D",
    drive="FWD",
    model_year=2022,
    production_date=date(2022, 1, 20),
    handover_date=date(2022, 3, 15),
    market="DE",
    equipment_codes=("SRX6", "SPW1"),
)


def vehicle(**changes: Any) -> Vehicle:
    return replace(BASE, **changes)


def event(
    vin: str, n: int, day: str, odometer: int, *codes: str, plausibility: str = "OK", effective: int | None = None
) -> ServiceEvent:
    return ServiceEvent(
        event_id=f"DSS-{vin}-{n:03d}",
        vin=vin,
        date=date.fromisoformat(day),
        odometer=odometer,
        workshop_code="X-001",
        authorised_workshop=True,
        source_systems=("DSS",),
        source_refs=(f"DSS-{vin}-{n:03d}",),
        items=tuple(EventItem(code) for code in codes),
        plausibility=plausibility,
        effective_odometer=effective,
    )


def quote(file: VehicleFile, request: QuoteRequest, catalog: Catalog | None = None) -> dict[str, Any]:
    return service_quote(compute(catalog or default_catalog(), file, request))


def due_of(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(d for d in result["dueItems"] if d["item"]["code"] == code)
