"""Resolvers of the vehicle aggregate: look-up by VIN, build data, history, contracts, campaigns."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry.types import Info

from calculation.context import VehicleContext
from calculation.quote import open_campaigns as open_campaigns_of
from calculation.records import CampaignVehicle, EventItem, ServiceContract, ServiceEvent, Vehicle
from calculation.vin import checked_vin
from catalog import Catalog
from catalog.records import Brand, Campaign, Engine, Market, Model, OilNorm
from resolvers.context import request_context
from resolvers.errors import domain_error, too_many_keys, vin_error
from resolvers.loaders import when_loaded
from resolvers.prefetch import load_early, prefetch


async def vehicle(
    info: Info, vin: Annotated[str, strawberry.argument(description="The VIN, 17 characters, any case.")]
) -> Vehicle | None:
    """A malformed VIN is an error; a well-formed VIN the vehicle master does not know is null."""
    ctx = request_context(info)
    check = checked_vin(vin, ctx.catalog)
    if check.reject is not None:
        raise vin_error(check.reject)
    load_early(ctx, [check.vin], info.selected_fields[0].selections)
    found = await ctx.loaders.vehicle_by_vin.load(check.vin)
    if found is not None:
        await prefetch(ctx, [found], info.selected_fields[0].selections)
    return found


async def vehicles(
    info: Info, vins: Annotated[list[str], strawberry.argument(description="Up to 100 VINs, any case.")]
) -> list[Vehicle | Exception | None]:
    """In the order asked; a malformed VIN gives an error at its own position, an unknown one null."""
    ctx = request_context(info)
    if len(vins) > ctx.max_keys:
        raise too_many_keys(len(vins), ctx.max_keys)
    results: list[Vehicle | Exception | None] = [None] * len(vins)
    wanted: list[tuple[int, str]] = []
    for index, vin in enumerate(vins):
        check = checked_vin(vin, ctx.catalog)
        if check.reject is not None:
            results[index] = vin_error(check.reject)
        else:
            wanted.append((index, check.vin))
    loader = ctx.loaders.vehicle_by_vin
    load_early(ctx, [vin for _, vin in wanted], info.selected_fields[0].selections)
    # an unavailable vehicle master is an error at each position it costs, not the end of the whole answer
    found = await asyncio.gather(*(loader.load(vin) for _, vin in wanted), return_exceptions=True)
    for (index, _), record in zip(wanted, found, strict=True):
        if not isinstance(record, Exception | Vehicle | None):
            raise record  # cancelled
        results[index] = record
    await prefetch(ctx, [v for v in found if isinstance(v, Vehicle)], info.selected_fields[0].selections)
    return results


def brand_of(catalog: Catalog, vehicle: Vehicle) -> Brand:
    return catalog.brands[catalog.models[vehicle.model_code].brand_code]


def brand(root: Vehicle, info: Info) -> Brand:
    return brand_of(request_context(info).catalog, root)


def model(root: Vehicle, info: Info) -> Model:
    return request_context(info).catalog.models[root.model_code]


def market(root: Vehicle, info: Info) -> Market:
    return request_context(info).catalog.markets[root.market]


def engine(root: Vehicle, info: Info) -> Engine | Awaitable[Engine]:
    def known(found: Engine | None) -> Engine:
        if found is None:
            raise domain_error(
                "UNKNOWN_ENGINE", f"Engine {root.engine_code} of {root.vin} is not in the technical data."
            )
        return found

    return when_loaded(known, request_context(info).loaders.engine_by_code.get(root.engine_code))


def service_regime(root: Vehicle, info: Info) -> str | None:
    return VehicleContext.of(request_context(info).catalog, root).effective_regime


def service_events(root: Vehicle, info: Info) -> tuple[ServiceEvent, ...] | Awaitable[tuple[ServiceEvent, ...]]:
    return request_context(info).loaders.service_events_by_vin.get(root.vin)


def contracts(root: Vehicle, info: Info) -> tuple[ServiceContract, ...] | Awaitable[tuple[ServiceContract, ...]]:
    return request_context(info).loaders.contracts_by_vin.get(root.vin)


def open_campaigns(root: Vehicle, info: Info) -> list[Campaign] | Awaitable[list[Campaign]]:
    """D10: assigned and OPEN in the campaign system, and not completed by a TECH_CAMPAIGN item since."""
    ctx = request_context(info)

    def still_open(assignments: tuple[CampaignVehicle, ...], events: tuple[ServiceEvent, ...]) -> list[Campaign]:
        return open_campaigns_of(ctx.catalog, assignments, events)

    return when_loaded(
        still_open,
        ctx.loaders.campaign_assignments_by_vin.get(root.vin),
        ctx.loaders.service_events_by_vin.get(root.vin),
    )


def engine_oil_norms(root: Engine, info: Info) -> list[OilNorm] | Awaitable[list[OilNorm]]:
    """Every norm the engine accepts in either regime, fixed-regime norms first."""
    loader = request_context(info).loaders.oil_norm_by_code

    def known(*found: OilNorm | None) -> list[OilNorm]:
        return [norm for norm in found if norm is not None]

    return when_loaded(known, *(loader.get(code) for code in root.oil_norm_codes))


def item_name(catalog: Catalog, event_item: EventItem) -> str:
    item = catalog.service_items.get(event_item.code)
    return item.name if item is not None else (event_item.note or event_item.code)


def event_item_name(root: EventItem, info: Info) -> str:
    return item_name(request_context(info).catalog, root)
