"""Service-contract system (SCS): service plans and warranty extensions by VIN.

Read from the store's contract records as the import wrote them; a VIN without contracts has (). A failed read
is the SCS's.
"""

from __future__ import annotations

from collections.abc import Sequence

from calculation.records import ServiceContract
from sources.base import failing_as
from store.base import Store

NAME = "SCS"


class ServiceContracts:
    name = NAME

    def __init__(self, store: Store) -> None:
        self._store = store

    async def contracts_by_vin(self, vins: Sequence[str]) -> list[tuple[ServiceContract, ...]]:
        with failing_as(NAME):
            return await self._store.contracts(vins)
