"""The store interface the calculation reads through: batch look-ups by VIN, in the order asked."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle, VehicleFile


class StoreUnavailable(Exception):
    """A read or write the backend could not serve; `table` names the table (without the deployment prefix),
    `detail` is for the log only. The source that asked reports it as its source system's failure."""

    def __init__(self, table: str, detail: str) -> None:
        super().__init__(f"{table}: {detail}")
        self.table = table
        self.detail = detail


@dataclass(frozen=True)
class Recorded:
    """A recorded service event; `created` is False when an idempotency key returned an earlier result, and
    `cursor` is the event-bus cursor once the event was published (None before)."""

    event: ServiceEvent
    created: bool
    cursor: str | None = None


class IdempotencyConflict(Exception):
    """An idempotency key used again with a different request."""


class Store(Protocol):
    """Keys in, values out in the same order; a VIN the store does not know gives None or ().

    VINs are the normalised (upper-case) VINs of the vehicle master. Events come oldest first by
    (date, odometer, eventId). Every method is a batch so that a remote backend (e.g. DynamoDB
    BatchGetItem / Query) can serve many vehicles per round trip.
    """

    async def vehicles(self, vins: Sequence[str]) -> list[Vehicle | None]: ...

    async def service_events(self, vins: Sequence[str]) -> list[tuple[ServiceEvent, ...]]: ...

    async def contracts(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]: ...

    async def campaign_vehicles(self, vins: Sequence[str]) -> list[tuple[CampaignVehicle, ...]]: ...

    async def record_event(self, event: ServiceEvent, idempotency_key: str | None, fingerprint: str) -> Recorded:
        """Adds a service event to its vehicle's history, at most once per idempotency key.

        The same key with the same request `fingerprint` returns the first result without writing; with another
        fingerprint it raises IdempotencyConflict."""
        ...

    async def mark_published(self, idempotency_key: str, cursor: str) -> None:
        """Remembers the bus cursor of a keyed event, so that a retry does not publish it twice."""
        ...


async def vehicle_file(store: Store, vin: str) -> VehicleFile | None:
    """Everything the calculation needs about one vehicle, or None when the store does not know the VIN."""
    keys = [vin]
    (vehicle,), (events,), (contracts,), (campaigns,) = await asyncio.gather(
        store.vehicles(keys), store.service_events(keys), store.contracts(keys), store.campaign_vehicles(keys)
    )
    if vehicle is None:
        return None
    return VehicleFile(vehicle=vehicle, events=events, contracts=contracts, campaigns=campaigns)


def load_vehicle_file(store: Store, vin: str) -> VehicleFile | None:
    """`vehicle_file` for synchronous callers (command line, tests); not for use inside a running event loop."""
    return asyncio.run(vehicle_file(store, vin))
