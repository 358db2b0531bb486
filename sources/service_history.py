"""Service history (DSS schedule and DMS repair orders, merged by the import): events by VIN, oldest first."""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import ServiceEvent
from store.base import Store


class ServiceHistory:
    name = "DSS/DMS"

    def __init__(self, store: Store) -> None:
        self._store = store

    async def events_by_vin(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return await self._store.service_events(vins)
