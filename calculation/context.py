"""A vehicle joined with its catalogue records, and the derived facts rules are written against (DOMAIN §8.2)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from calculation.money import round_money
from calculation.records import Vehicle
from catalog import Catalog
from catalog.conditions import attribute_name, holds, record_facts, value
from catalog.records import Brand, Engine, Market, Model

T = TypeVar("T")


class UnknownCodeError(LookupError):
    """A vehicle that names a model, engine or market the catalogue does not know."""


@dataclass(frozen=True)
class VehicleContext:
    """One vehicle with its brand, model, engine and market.

    Derived facts and anything `memo` computes are kept for the life of the context, which is one vehicle's
    calculation (or one simulated history): the catalogue and the vehicle do not change under it.
    """

    catalog: Catalog
    vehicle: Vehicle
    brand: Brand
    model: Model
    engine: Engine
    market: Market
    _memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, catalog: Catalog, vehicle: Vehicle) -> VehicleContext:
        try:
            model = catalog.models[vehicle.model_code]
            engine = catalog.engines[vehicle.engine_code]
            market = catalog.markets[vehicle.market]
        except KeyError as exc:
            raise UnknownCodeError(f"vehicle {vehicle.vin} names unknown code {exc.args[0]!r}") from None
        return cls(catalog, vehicle, catalog.brands[model.brand_code], model, engine, market)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = compute()
        result: T = self._memo[key]
        return result

    @property
    def configuration(self) -> tuple[Any, ...]:
        """What the catalogue's applicability rules read of a vehicle: results that depend on nothing else are
        kept per configuration and shared by every vehicle built the same way."""
        v = self.vehicle
        return (v.model_code, v.engine_code, v.market, v.transmission, v.drive, v.model_year, v.equipment_codes)

    @property
    def effective_regime(self) -> str | None:
        """FLEX, FIXED, or None for a battery-electric vehicle."""
        regime: str | None = self.vehicle_fact("effectiveRegime")
        return regime

    @property
    def service_concept(self) -> str:
        concept: str = self.vehicle_fact("serviceConcept")
        return concept

    def local_price(self, base_eur: Decimal) -> Decimal:
        """A catalogue EUR price in the market's currency: round(base × priceFactor), DOMAIN §5.3 rule 2."""
        return round_money(base_eur * self.market.price_factor, self.market.minor_unit)

    @property
    def distance_unit(self) -> str:
        return self.market.distance_unit

    def vehicle_fact(self, name: str) -> Any:
        def compute() -> Any:
            rule = self.catalog.derived_facts.get(f"vehicle.{name}")
            return value(rule, self.fact) if rule is not None else getattr(self.vehicle, attribute_name(name))

        return self.memo(("vehicle", name), compute)

    def fact(self, name: str) -> Any:
        """Resolves `engine.fuel`, `vehicle.effectiveRegime` … as the catalogue's condition language names them."""
        if name.startswith("vehicle."):
            return self.vehicle_fact(name[len("vehicle.") :])
        return self.memo("records", self._record_facts)(name)

    def _record_facts(self) -> Callable[[str], Any]:
        return record_facts({"engine": self.engine, "model": self.model, "brand": self.brand, "market": self.market})

    def with_facts(self, extra: dict[str, Any]) -> Callable[[str], Any]:
        """A fact resolver that also knows request-level facts (`request.*`, `oil.*`)."""

        def resolve(name: str) -> Any:
            return extra[name] if name in extra else self.fact(name)

        return resolve

    def holds(self, condition: Any, extra: dict[str, Any]) -> bool:
        return holds(condition, self.with_facts(extra))
