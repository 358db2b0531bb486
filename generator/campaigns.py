"""Which vehicles a technical campaign covers and their TCS assignment records (DOMAIN §7.2, §7.5.3, D10)."""

from __future__ import annotations

from collections.abc import Mapping

from calculation.records import CampaignVehicle, Vehicle
from catalog import Catalog
from catalog.records import Campaign

OPEN, COMPLETED = "OPEN", "COMPLETED"
SERIAL_DIGITS = 6  # §1.8: the last six VIN characters are the serial


def in_scope(catalog: Catalog, campaign: Campaign, vehicle: Vehicle) -> bool:
    """Brand, model, model-year range and, when given, the serial range of campaigns.json."""
    model = catalog.models[vehicle.model_code]
    serial = int(vehicle.vin[-SERIAL_DIGITS:])
    return (
        model.brand_code == campaign.brand_code
        and model.code in campaign.model_codes
        and campaign.model_year_from <= vehicle.model_year <= campaign.model_year_to
        and (campaign.serial_from is None or serial >= campaign.serial_from)
        and (campaign.serial_to is None or serial <= campaign.serial_to)
    )


def campaigns_for(catalog: Catalog, vehicle: Vehicle) -> list[Campaign]:
    """The campaigns covering the vehicle, by campaign code."""
    return sorted((c for c in catalog.campaigns.values() if in_scope(catalog, c, vehicle)), key=lambda c: c.code)


def assignments(campaigns: list[Campaign], vehicle: Vehicle, completed: Mapping[str, str]) -> list[CampaignVehicle]:
    """One TCS record per campaign: OPEN until a visit completed it (`completed`: code → eventId)."""
    return [
        CampaignVehicle(c.code, vehicle.vin, COMPLETED if c.code in completed else OPEN, completed.get(c.code))
        for c in campaigns
    ]
