"""A store failure leaves each source as its own system's failure: the name the API reports in SOURCE_UNAVAILABLE."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from catalog import default_catalog
from sources import Sources
from sources.base import SourceUnavailable
from store import tables
from store.base import StoreUnavailable

VIN = "WXVZZZB8ZME456992"


class FailingStore:
    """A store whose every call fails at the table `table`, as the DynamoDB backend reports it."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        async def fail(*_: Any) -> Any:
            raise StoreUnavailable(self.table, "throttled")

        return fail


def failure(table: str, call: Callable[[Sources], Coroutine[Any, Any, Any]]) -> SourceUnavailable:
    store: Any = FailingStore(table)  # a stand-in for either backend
    sources = Sources.over(store, default_catalog())
    with pytest.raises(SourceUnavailable) as raised:
        asyncio.run(call(sources))
    return raised.value


@pytest.mark.parametrize(
    ("table", "call", "source"),
    [
        (tables.VEHICLES.suffix, lambda s: s.vehicle_master.vehicles_by_vin([VIN]), "VMS"),
        (tables.SERVICE_HISTORY.suffix, lambda s: s.service_history.events_by_vin([VIN]), "DSS/DMS"),
        (tables.RECORDED_EVENTS.suffix, lambda s: s.service_history.events_by_vin([VIN]), "DSS"),
        (tables.IDEMPOTENCY_SUFFIX, lambda s: s.service_history.mark_published("ro-1", "0-1"), "DSS"),
        (tables.SERVICE_CONTRACTS.suffix, lambda s: s.service_contracts.contracts_by_vin([VIN]), "SCS"),
        (tables.CAMPAIGN_ASSIGNMENTS.suffix, lambda s: s.campaigns.assignments_by_vin([VIN]), "TCS"),
    ],
)
def test_each_source_names_its_own_system(
    table: str, call: Callable[[Sources], Coroutine[Any, Any, Any]], source: str
) -> None:
    found = failure(table, call)
    assert (found.source, found.detail) == (source, "throttled")
