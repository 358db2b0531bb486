"""Labour-time catalogue (LTC): standard hours per operation, by service item code."""

from __future__ import annotations

from collections.abc import Sequence

from catalog import Catalog
from catalog.records import LabourTime

NAME = "LTC"


class LabourTimes:
    name = NAME

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def labour_times_by_item(self, item_codes: Sequence[str]) -> list[LabourTime | None]:
        return [self._catalog.labour_times.get(code) for code in item_codes]
