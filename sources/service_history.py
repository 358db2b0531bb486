"""Service history (DSS schedule and DMS repair orders, merged by the import): events by VIN, oldest first."""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import ServiceEvent
from store.base import Recorded, Store


class ServiceHistory:
    name = "DSS/DMS"

    def __init__(self, store: Store) -> None:
        self._store = store

    async def events_by_vin(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        return await self._store.service_events(vins)

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        """Adds the event to the vehicle's history, once per idempotency key (`store.base.Store.record_event`)."""
        return await self._store.record_event(event, idempotency_key, fingerprint)

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        await self._store.mark_published(idempotency_key, cursor)
