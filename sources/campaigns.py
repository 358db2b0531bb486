"""Technical campaign system (TCS): campaign assignments by VIN and campaigns by code.

Assignments are the store's campaign-vehicle records (their status as the import completed them, D10); a VIN
without assignments has (). A failed read is the TCS's. Campaign definitions come from the catalogue; an unknown
code is None.
"""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import CampaignVehicle
from catalog import Catalog
from catalog.records import Campaign
from sources.base import failing_as
from store.base import Store

NAME = "TCS"


class Campaigns:
    name = NAME

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog

    async def assignments_by_vin(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]:
        with failing_as(NAME):
            return await self._store.campaign_vehicles(vins)

    async def campaigns_by_code(self, codes: Sequence[str]) -> list[Campaign | None]:
        return [self._catalog.campaigns.get(code) for code in codes]
