"""A vehicle joined with its catalogue records, and the derived facts rules are written against (DOMAIN §8.2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calculation.records import Vehicle
from catalog import Catalog
from catalog.conditions import holds, value
from catalog.records import Brand, Engine, Market, Model


class UnknownCodeError(LookupError):
    """A vehicle that names a model, engine or market the catalogue does not know."""


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


@dataclass(frozen=True)
class VehicleContext:
    """One vehicle with its brand, model, engine and market; facts are resolved lazily and cached."""

    catalog: Catalog
    vehicle: Vehicle
    brand: Brand
    model: Model
    engine: Engine
    market: Market
    _derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, catalog: Catalog, vehicle: Vehicle) -> VehicleContext:
        try:
            model = catalog.models[vehicle.model_code]
            engine = catalog.engines[vehicle.engine_code]
            market = catalog.markets[vehicle.market]
        except KeyError as exc:
            raise UnknownCodeError(f"vehicle {vehicle.vin} names unknown code {exc.args[0]!r}") from None
        return cls(catalog, vehicle, catalog.brands[model.brand_code], model, engine, market)

    @property
    def effective_regime(self) -> str | None:
        """FLEX, FIXED, or None for a battery-electric vehicle."""
        regime: str | None = self.vehicle_fact("effectiveRegime")
        return regime

    @property
    def service_concept(self) -> str:
        concept: str = self.vehicle_fact("serviceConcept")
        return concept

    @property
    def distance_unit(self) -> str:
        return self.market.distance_unit

    def vehicle_fact(self, name: str) -> Any:
        if name in self._derived:
            return self._derived[name]
        rule = self.catalog.derived_facts.get(f"vehicle.{name}")
        result = value(rule, self.fact) if rule is not None else getattr(self.vehicle, _snake(name))
        self._derived[name] = result
        return result

    def fact(self, name: str) -> Any:
        """Resolves `engine.fuel`, `vehicle.effectiveRegime` … as the catalogue's condition language names them."""
        scope, _, attribute = name.partition(".")
        if scope == "vehicle":
            return self.vehicle_fact(attribute)
        record = {"engine": self.engine, "model": self.model, "brand": self.brand, "market": self.market}.get(scope)
        if record is None:
            raise KeyError(f"fact {name!r} is not a vehicle fact")
        return getattr(record, _snake(attribute))

    def with_facts(self, extra: dict[str, Any]) -> Callable[[str], Any]:
        """A fact resolver that also knows request-level facts (`request.*`, `oil.*`)."""

        def resolve(name: str) -> Any:
            return extra[name] if name in extra else self.fact(name)

        return resolve

    def holds(self, condition: Any, extra: dict[str, Any]) -> bool:
        return holds(condition, self.with_facts(extra))
