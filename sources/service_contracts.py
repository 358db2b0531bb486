"""Service-contract system (SCS): service plans and warranty extensions by VIN."""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import ServiceContract
from store.base import Store


class ServiceContracts:
    name = "SCS"

    def __init__(self, store: Store) -> None:
        self._store = store

    async def contracts_by_vin(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        return await self._store.contracts(vins)
