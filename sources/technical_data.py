"""Technical data (TDS): engines with their oil specifications, oil norms and oil products."""

from __future__ import annotations

from collections.abc import Sequence

from catalog import Catalog
from catalog.records import Engine, OilNorm, OilProduct

NAME = "TDS"


class TechnicalData:
    name = NAME

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def engines_by_code(self, codes: Sequence[str]) -> list[Engine | None]:
        return [self._catalog.engines.get(code) for code in codes]

    async def oil_norms_by_code(self, codes: Sequence[str]) -> list[OilNorm | None]:
        return [self._catalog.oil_norms.get(code) for code in codes]

    async def oil_products_by_code(self, codes: Sequence[str]) -> list[OilProduct | None]:
        return [self._catalog.oil_products.get(code) for code in codes]
