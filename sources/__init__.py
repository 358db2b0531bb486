"""The aftersales source systems, one module each; every access is an async batch: keys in, values out in order.

Each module is the one place that knows its system: its name, what it reads (the store or the catalogue), what a
miss is, and what its failure means (`sources.base.SourceUnavailable`, reported as SOURCE_UNAVAILABLE).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog import Catalog
from sources.campaigns import Campaigns
from sources.labour_times import LabourTimes
from sources.parts import PartsCatalogue
from sources.service_contracts import ServiceContracts
from sources.service_history import ServiceHistory
from sources.technical_data import TechnicalData
from sources.vehicle_master import VehicleMaster
from store.base import Store


@dataclass(frozen=True)
class Sources:
    vehicle_master: VehicleMaster
    service_history: ServiceHistory
    service_contracts: ServiceContracts
    campaigns: Campaigns
    parts: PartsCatalogue
    labour_times: LabourTimes
    technical_data: TechnicalData

    @classmethod
    def over(cls, store: Store, catalog: Catalog) -> Sources:
        """Vehicle data from the store; master data (EPC, LTC, TDS, campaign definitions) from the catalogue."""
        return cls(
            vehicle_master=VehicleMaster(store),
            service_history=ServiceHistory(store),
            service_contracts=ServiceContracts(store),
            campaigns=Campaigns(store, catalog),
            parts=PartsCatalogue(catalog),
            labour_times=LabourTimes(catalog),
            technical_data=TechnicalData(catalog),
        )
