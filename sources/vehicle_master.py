"""Vehicle master (VMS, enriched with REG registration data): vehicles by VIN.

The import merged both into the store's vehicle records; a VIN the master does not know is None. A failed read
is the VMS's: every field that needs the vehicle fails with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import Vehicle
from sources.base import failing_as
from store.base import Store

NAME = "VMS"


class VehicleMaster:
    name = NAME

    def __init__(self, store: Store) -> None:
        self._store = store

    async def vehicles_by_vin(self, vins: Sequence[str]) -> list[Vehicle | None]:
        with failing_as(NAME):
            return await self._store.vehicles(vins)
