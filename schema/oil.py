"""Oil norms, oil products and the oil requirement of an engine (DOMAIN §3, §8.5)."""

import strawberry

from access.principal import Capability
from resolvers import quote as quote_resolvers
from resolvers.permissions import needs
from schema.scalars import DecimalText


@strawberry.type(description="An engine-oil specification (OEM approval or ACEA/API class), DOMAIN §3.")
class OilNorm:
    code: str = strawberry.field(description='Identifier as published, e.g. "VW 504 00", "ACEA C3".')
    issuer: str = strawberry.field(description="Issuing body or manufacturer.")
    fuel: str = strawberry.field(description="Fuel scope as published (petrol, diesel, petrol/diesel).")
    saps: str = strawberry.field(description="Sulphated ash, phosphorus and sulphur level (full, mid, low).")
    hths_min: str = strawberry.field(description="Minimum high-temperature high-shear viscosity in mPa·s, as printed.")
    typical_viscosities: str = strawberry.field(description="Typical SAE viscosities, as printed.")
    note: str = strawberry.field(description="What the norm is for.")


@strawberry.type(description="An engine oil the workshop can use, with the norms it is approved for.")
class OilProduct:
    code: str = strawberry.field(description="Product code.")
    viscosity: str = strawberry.field(description='SAE viscosity grade, e.g. "0W-20".')
    approvals: list[str] = strawberry.field(description="Codes of the oil norms the product meets.")
    base_price_eur_per_litre: DecimalText | None = strawberry.field(
        description="List price per litre in EUR before the market's price factor. Null with FORBIDDEN for roles "
        "that see no prices.",
        extensions=needs(Capability.PRICES),
    )


@strawberry.type(description="The oil an oil service needs for this vehicle, and the product chosen (DOMAIN §8.5).")
class OilRequirement:
    norms = strawberry.field(
        resolver=quote_resolvers.oil_requirement_norms,
        graphql_type=list[OilNorm],
        description="Norms accepted for the vehicle's regime and market (any of them), after overrides.",
    )
    viscosities: list[str] = strawberry.field(description="SAE viscosities the engine allows.")
    capacity_litres: DecimalText = strawberry.field(description="Oil quantity of an oil service, filter included.")
    selected_product: OilProduct | None = strawberry.field(
        description="The cheapest product in the market that meets a norm in an allowed viscosity; null if none."
    )
    price_per_litre: DecimalText | None = strawberry.field(
        description="Local price per litre of the selected product, in `currency`; null if none is selected."
        "Null with FORBIDDEN for roles that see no prices.",
        extensions=needs(Capability.PRICES),
    )
    currency: str = strawberry.field(description="ISO 4217 currency of the vehicle's market.")
