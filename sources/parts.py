"""Parts catalogue and price lists (EPC): parts by part number."""

from __future__ import annotations

from collections.abc import Sequence

from catalog import Catalog
from catalog.records import Part

NAME = "EPC"


class PartsCatalogue:
    name = NAME

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def parts_by_number(self, numbers: Sequence[str]) -> list[Part | None]:
        return [self._catalog.parts.get(number) for number in numbers]
