"""The vehicle and its build data: brand, model, engine, market (DOMAIN §7.2)."""

import datetime
from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry.types import Info

from access.principal import Capability
from calculation.records import Vehicle as VehicleRecord
from presentation.quote import DueItemView, ServiceQuoteView
from resolvers import quote as quote_resolvers
from resolvers import vehicle as vehicle_resolvers
from resolvers.permissions import needs
from resolvers.quote import ProductOffer
from schema.enums import ServiceRegime
from schema.oil import OilNorm, OilRequirement
from schema.quote import DATE_RANGE, ODOMETER_RANGE, DueInput, DueItem, QuoteInput, ServiceQuote
from schema.scalars import DecimalText
from schema.service import Campaign, ServiceContract, ServiceEvent, ServiceProductOffer


@strawberry.type(description="A brand of the group (all names fictional).")
class Brand:
    code: str = strawberry.field(description='Three-letter brand code, e.g. "VRN".')
    name: str = strawberry.field(description="Brand name.")
    group_code: str = strawberry.field(description="Brand group (VX or KX): decides the inspection concept.")
    time_units_per_hour: int = strawberry.field(description="Labour time units per hour: 100 ZE, 12 or 10 AW.")
    labour_unit_name: str = strawberry.field(description="Name of the labour time unit.")


@strawberry.type(description="A model line and generation.")
class VehicleModel:
    code: str = strawberry.field(description='Model code, e.g. "VRN-BLT-8".')
    name: str = strawberry.field(description="Model name.")
    vehicle_class: str = strawberry.field(
        description="S compact, M mid-size/SUV, L large/sports/luxury, C commercial: decides labour times and parts."
    )
    body: str = strawberry.field(description="Body style.")
    production_from: int = strawberry.field(description="First production year.")
    production_to: int = strawberry.field(description="Last production year.")


@strawberry.type(description="A sales market with its currency, tax and distance unit.")
class Market:
    code: str = strawberry.field(description='ISO 3166 code; "US" is the Texas profile.')
    name: str = strawberry.field(description="Market name.")
    currency: str = strawberry.field(description="ISO 4217 currency.")
    distance_unit: str = strawberry.field(description="KM or MI: the unit of every odometer and interval.")
    tax_rate: DecimalText = strawberry.field(description='Standard tax rate as a fraction, e.g. "0.19".')
    labour_rate_per_hour: DecimalText | None = strawberry.field(
        description="Net labour rate per hour, local currency. Null with FORBIDDEN for roles that see no prices.",
        extensions=needs(Capability.PRICES),
    )
    flexible_service_offered: bool = strawberry.field(description="Whether flexible (LongLife) service is offered.")


@strawberry.type(description="An engine with its oil specification (technical data).")
class Engine:
    code: str = strawberry.field(description='Engine code, e.g. "P15T4-110B".')
    fuel: str = strawberry.field(description="PETROL, DIESEL, CNG, PHEV or BEV.")
    displacement_cc: int = strawberry.field(description="Displacement in cm³ (0 for BEV).")
    cylinders: int = strawberry.field(description="Number of cylinders (0 for BEV).")
    power_kw: int = strawberry.field(description="Power in kW.")
    generation: str = strawberry.field(description="Engine generation A (older) or B (newer).")
    oil_capacity_l: DecimalText | None = strawberry.field(
        name="oilCapacityLitres", description="Oil quantity of an oil service incl. filter, litres; null for BEV."
    )
    oil_norms = strawberry.field(
        resolver=vehicle_resolvers.engine_oil_norms,
        graphql_type=list[OilNorm],
        description="Every oil norm the engine accepts, fixed-regime norms first.",
    )


def _service_quote(
    root: strawberry.Parent[VehicleRecord],
    info: Info,
    input: Annotated[QuoteInput, strawberry.argument(description="Date, odometer, customer group, optional items.")],
) -> ServiceQuoteView | Awaitable[ServiceQuoteView]:
    return quote_resolvers.service_quote(root, info, input.request())


def _due_services(
    root: strawberry.Parent[VehicleRecord],
    info: Info,
    input: Annotated[DueInput, strawberry.argument(description="Date and odometer to evaluate at.")],
) -> list[DueItemView] | Awaitable[list[DueItemView]]:
    return quote_resolvers.due_services(root, info, input.request())


async def _service_products(
    root: strawberry.Parent[VehicleRecord],
    info: Info,
    purchase_date: Annotated[
        datetime.date, strawberry.argument(description=f"Date the product would be bought, {DATE_RANGE}.")
    ],
    odometer: Annotated[int, strawberry.argument(description=f"Odometer on that date, market unit, {ODOMETER_RANGE}.")],
) -> list[ProductOffer]:
    return await quote_resolvers.service_product_offers(root, info, purchase_date, odometer)


@strawberry.type(
    description=(
        "A vehicle, identified by its VIN, with everything the aftersales systems know of it. Fields that another "
        "source system supplies are nullable: when that system is unavailable, only they are null, with a "
        "SOURCE_UNAVAILABLE error naming it, and the rest of the vehicle is kept."
    )
)
class Vehicle:
    vin: str = strawberry.field(description="Vehicle identification number (ISO 3779), upper case.")
    brand = strawberry.field(resolver=vehicle_resolvers.brand, graphql_type=Brand, description="Brand.")
    model = strawberry.field(resolver=vehicle_resolvers.model, graphql_type=VehicleModel, description="Model.")
    engine = strawberry.field(
        resolver=vehicle_resolvers.engine, graphql_type=Engine, description="Engine (technical data)."
    )
    transmission: str = strawberry.field(description='Gearbox code, e.g. "DSG7D", "AT8", "MT6".')
    drive: str = strawberry.field(description='Drive code, e.g. "FWD", "AWD_HALDEX".')
    model_year: int = strawberry.field(description="Model year from the vehicle master.")
    production_date: datetime.date = strawberry.field(description="Production date.")
    handover_date: datetime.date = strawberry.field(description="Handover (first registration) date.")
    market = strawberry.field(resolver=vehicle_resolvers.market, graphql_type=Market, description="Sales market.")
    equipment_codes: list[str] = strawberry.field(
        description="Equipment codes, incl. the regime code SRX1 (fixed) or SRX6 (flexible)."
    )
    service_regime = strawberry.field(
        resolver=vehicle_resolvers.service_regime,
        graphql_type=ServiceRegime | None,
        description="Effective service regime (DOMAIN §8.2); null for a battery-electric vehicle.",
    )
    required_oil = strawberry.field(
        resolver=quote_resolvers.required_oil,
        graphql_type=OilRequirement | None,
        description="Oil an oil service needs, with the product chosen for the market; null for a BEV.",
    )
    service_events = strawberry.field(
        resolver=vehicle_resolvers.service_events,
        graphql_type=list[ServiceEvent] | None,
        description="Service history, merged from DSS and DMS (DOMAIN §7.4), oldest first.",
    )
    contracts = strawberry.field(
        resolver=vehicle_resolvers.contracts,
        graphql_type=list[ServiceContract] | None,
        description="Service plans and warranty extensions.",
    )
    open_campaigns = strawberry.field(
        resolver=vehicle_resolvers.open_campaigns,
        graphql_type=list[Campaign] | None,
        description="Technical campaigns assigned to the vehicle and not yet completed, by code.",
    )
    due_services = strawberry.field(
        resolver=_due_services,
        graphql_type=list[DueItem] | None,
        description="Every applicable maintenance item with its status on a date and odometer.",
    )
    service_quote = strawberry.field(
        resolver=_service_quote,
        graphql_type=ServiceQuote | None,
        description="The service quote: what is due and what it costs, position by position; null with FORBIDDEN for "
        "roles that see no prices.",
        extensions=needs(Capability.PRICES),
    )
    service_products = strawberry.field(
        resolver=_service_products,
        graphql_type=list[ServiceProductOffer] | None,
        description="Sold service products and whether each may be bought on a date at an odometer (DOMAIN §6).",
    )
