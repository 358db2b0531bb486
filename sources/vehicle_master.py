"""Vehicle master (VMS, enriched with REG registration data): vehicles by VIN."""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import Vehicle
from store.base import Store


class VehicleMaster:
    name = "VMS"

    def __init__(self, store: Store) -> None:
        self._store = store

    async def vehicles_by_vin(self, vins: Sequence[str]) -> list[Vehicle | None]:
        return await self._store.vehicles(vins)
