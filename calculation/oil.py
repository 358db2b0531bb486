"""The engine oil a vehicle needs and the product a workshop should use (DOMAIN §3.5, §8.5, D17)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from calculation.context import VehicleContext
from catalog.records import OilProduct, OilSpecOverride

SEVERE_OIL_ITEM = "OIL_SVC_SEVERE"


@dataclass(frozen=True)
class OilRequirement:
    """Norms (any of) and viscosities the engine accepts, its capacity, and the cheapest matching product."""

    norms: tuple[str, ...]
    viscosities: tuple[str, ...]
    capacity_litres: Decimal
    selected_product: OilProduct | None
    price_per_litre: Decimal | None


def _override_applies(o: OilSpecOverride, ctx: VehicleContext) -> bool:
    if o.engine_code is not None and o.engine_code != ctx.engine.code:
        return False
    if o.scope_type == "BRAND" and o.scope_code != ctx.brand.code:
        return False
    if o.scope_type == "MARKET" and o.scope_code != ctx.market.code:
        return False
    return (
        (o.fuels is None or ctx.engine.fuel in o.fuels)
        and (o.brand_group is None or ctx.brand.group_code == o.brand_group)
        and (o.engine_generation is None or ctx.engine.generation == o.engine_generation)
    )


def litre_price(product: OilProduct, ctx: VehicleContext) -> Decimal:
    return ctx.local_price(product.base_price_eur_per_litre)


def severe_oil_service_applies(ctx: VehicleContext) -> bool:
    """OIL_SVC_SEVERE replaces the fixed and flexible oil services (diesel in a high-sulphur market, §8.2)."""
    item = ctx.catalog.service_items[SEVERE_OIL_ITEM]
    return ctx.catalog.remembered(("severe", ctx.configuration), lambda: ctx.holds(item.applicability_rule, {}))


def vehicle_requirement(ctx: VehicleContext) -> OilRequirement | None:
    """The requirement for the oil service that applies to the vehicle (D17)."""
    return requirement(ctx, severe=severe_oil_service_applies(ctx))


def requirement(ctx: VehicleContext, severe: bool = False) -> OilRequirement | None:
    """None for a battery-electric vehicle. `severe`: OIL_SVC_SEVERE applies, so the fixed spec is used (D17).
    The same for every vehicle of one engine, brand, market and regime."""
    key = ("oil", ctx.engine.code, ctx.brand.code, ctx.market.code, ctx.effective_regime, severe)
    return ctx.catalog.remembered(key, lambda: _requirement(ctx, severe))


def _requirement(ctx: VehicleContext, severe: bool) -> OilRequirement | None:
    engine = ctx.engine
    if not engine.is_ice or engine.oil_capacity_l is None:
        return None
    flex = ctx.effective_regime == "FLEX" and not severe
    norms = (engine.oil_spec_flex if flex else engine.oil_spec_fixed) or ()
    viscosities = engine.allowed_viscosities
    for override in ctx.catalog.oil_spec_overrides:  # in applyOrder: a later match replaces an earlier one
        if _override_applies(override, ctx):
            norms, viscosities = override.norms, override.viscosities
    candidates = [
        (litre_price(p, ctx), p.code, p)
        for p in ctx.catalog.oil_products.values()
        if p.viscosity in viscosities and set(p.approvals) & set(norms)
    ]
    best = min(candidates, default=None)
    return OilRequirement(
        norms=tuple(norms),
        viscosities=tuple(viscosities),
        capacity_litres=engine.oil_capacity_l,
        selected_product=best[2] if best else None,
        price_per_litre=best[0] if best else None,
    )
