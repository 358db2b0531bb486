"""Service history: the DSS schedule and DMS repair orders as the import merged them, with the DSS events
workshops record through the API; events by VIN, oldest first.

Read from the store's service events, imported and recorded together; a VIN without history has (). Recorded
events are DSS events, so a failure to read or write them is the DSS's; a failure to read the imported history
is the merged source's, DSS/DMS.
"""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import ServiceEvent
from sources.base import failing_as
from store import tables
from store.base import Recorded, Store

NAME = "DSS/DMS"
RECORDING = "DSS"


class ServiceHistory:
    name = NAME

    def __init__(self, store: Store) -> None:
        self._store = store

    async def events_by_vin(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]:
        with failing_as(NAME, by_table={tables.RECORDED_EVENTS.suffix: RECORDING}):
            return await self._store.service_events(vins)

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        """Adds the event to the vehicle's history, once per idempotency key (`store.base.Store.record_event`)."""
        with failing_as(RECORDING):
            return await self._store.record_event(event, idempotency_key, fingerprint)

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        with failing_as(RECORDING):
            await self._store.mark_published(idempotency_key, cursor)
