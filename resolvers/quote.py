"""Resolvers that run the calculation: service quote, due services, required oil, product eligibility."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from functools import partial
from inspect import isawaitable
from typing import Any

from strawberry.types import Info

from calculation import due, oil
from calculation.bounds import check_date, check_odometer
from calculation.context import VehicleContext
from calculation.eligibility import EligibilityResult, check_eligibility
from calculation.quote import QuoteRequest, QuoteWarning, check_request, compute
from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, Vehicle, VehicleFile
from calculation.vin import validate_vin
from catalog.records import LabourTime, OilNorm, Part, ServiceProduct
from presentation.quote import (
    DueItemView,
    OilRequirementView,
    PositionView,
    ServiceQuoteView,
    due_item,
    oil_requirement,
    quote_view,
)
from resolvers.context import RequestContext, request_context
from resolvers.errors import client_input
from resolvers.loaders import when_loaded

PRICED_PARTS = ("PART", "FLUID")


def checked(ctx: RequestContext, request: QuoteRequest) -> None:
    with client_input():
        check_request(ctx.catalog, request)


def quote_for(ctx: RequestContext, file: VehicleFile, request: QuoteRequest) -> ServiceQuoteView:
    vehicle = file.vehicle
    vin_warnings = validate_vin(vehicle.vin, ctx.catalog, master={vehicle.vin: vehicle}).warnings
    return quote_view(compute(ctx.catalog, file, request, [QuoteWarning(w.code, w.message) for w in vin_warnings]))


def file_parts(ctx: RequestContext, vin: str) -> tuple[Any, Any, Any]:
    """History, contracts and campaign assignments: values when already loaded, else futures."""
    loaders = ctx.loaders
    return (
        loaders.service_events_by_vin.get(vin),
        loaders.contracts_by_vin.get(vin),
        loaders.campaign_assignments_by_vin.get(vin),
    )


def service_quote(root: Vehicle, info: Info, request: QuoteRequest) -> ServiceQuoteView | Awaitable[ServiceQuoteView]:
    """The quote over the vehicle's history, contracts and campaign assignments (loaded by its parent)."""
    ctx = request_context(info)
    checked(ctx, request)

    def quote(
        events: tuple[ServiceEvent, ...],
        contracts: tuple[ServiceContract, ...],
        assignments: tuple[CampaignVehicle, ...],
    ) -> ServiceQuoteView:
        return quote_for(ctx, VehicleFile(root, events, contracts, assignments), request)

    return when_loaded(quote, *file_parts(ctx, root.vin))


async def service_quote_of(
    ctx: RequestContext, vehicle: Vehicle, request: QuoteRequest
) -> tuple[VehicleFile, ServiceQuoteView]:
    """The vehicle's file and its quote, for callers that need both (the archive)."""
    checked(ctx, request)
    loaded = when_loaded(partial(VehicleFile, vehicle), *file_parts(ctx, vehicle.vin))
    file = await loaded if isawaitable(loaded) else loaded
    return file, quote_for(ctx, file, request)


def due_services(root: Vehicle, info: Info, request: QuoteRequest) -> list[DueItemView] | Awaitable[list[DueItemView]]:
    ctx = request_context(info)
    checked(ctx, request)

    def evaluate(events: tuple[ServiceEvent, ...]) -> list[DueItemView]:
        items = due.evaluate(VehicleContext.of(ctx.catalog, root), events, request.due_request())
        return [due_item(d) for d in items]

    return when_loaded(evaluate, ctx.loaders.service_events_by_vin.get(root.vin))


def required_oil(root: Vehicle, info: Info) -> OilRequirementView | None:
    ctx = VehicleContext.of(request_context(info).catalog, root)
    found = oil.vehicle_requirement(ctx)
    return None if found is None else oil_requirement(found, ctx.market)


async def oil_requirement_norms(root: OilRequirementView, info: Info) -> list[OilNorm]:
    found = await request_context(info).loaders.oil_norm_by_code.load_many(list(root.norm_codes))
    return [norm for norm in found if norm is not None]


async def position_part(root: PositionView, info: Info) -> Part | None:
    if root.type not in PRICED_PARTS:
        return None
    return await request_context(info).loaders.part_by_number.load(root.ref)


async def labour_time(root: Any, info: Info) -> LabourTime | None:
    """Standard hours of a service item's operation from the labour-time catalogue."""
    code: str = root.code
    return await request_context(info).loaders.labour_time_by_item.load(code)


@dataclass(frozen=True)
class ProductOffer:
    product: ServiceProduct
    result: EligibilityResult


async def service_product_offers(root: Vehicle, info: Info, purchase_date: date, odometer: int) -> list[ProductOffer]:
    """§6 eligibility of every sold service product for this vehicle on a purchase date."""
    with client_input():
        check_date("purchase date", purchase_date)
        check_odometer(odometer)
    ctx = request_context(info)
    events = await ctx.loaders.service_events_by_vin.load(root.vin)
    return [
        ProductOffer(product, check_eligibility(ctx.catalog, product, root, purchase_date, odometer, events))
        for product in ctx.catalog.service_products.values()
        if product.sold_as_product
    ]
