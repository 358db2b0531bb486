"""Technical campaign system (TCS): campaign assignments by VIN and campaigns by code."""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import CampaignVehicle
from catalog import Catalog
from catalog.records import Campaign
from store.base import Store


class Campaigns:
    name = "TCS"

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog

    async def assignments_by_vin(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        return await self._store.campaign_vehicles(vins)

    async def campaigns_by_code(self, codes: Sequence[str]) -> list[Campaign | None]:
        return [self._catalog.campaigns.get(code) for code in codes]
