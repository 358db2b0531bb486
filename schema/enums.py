"""Enumerations of the domain (DOMAIN §7.6), each declared once and reused."""

from enum import Enum

import strawberry


@strawberry.enum(description="Service regime of a combustion-engined vehicle (DOMAIN §2.1).")
class ServiceRegime(Enum):
    FIXED = strawberry.enum_value("FIXED", description="Fixed intervals, e.g. oil every 15,000 km or 12 months.")
    FLEX = strawberry.enum_value("FLEX", description="Flexible (LongLife) intervals, up to 30,000 km or 24 months.")


@strawberry.enum(description="Whether a maintenance item is due at the quote date and odometer (DOMAIN §8.4).")
class DueStatus(Enum):
    NOT_DUE = strawberry.enum_value("NOT_DUE", description="No limit reached, none within the look-ahead window.")
    DUE = strawberry.enum_value("DUE", description="A limit is reached exactly or lies within the look-ahead window.")
    OVERDUE = strawberry.enum_value("OVERDUE", description="A distance or time limit has been passed.")


@strawberry.enum(description="Who pays a quote position.")
class Payer(Enum):
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="The vehicle's owner or operator.")
    SERVICE_PLAN = strawberry.enum_value("SERVICE_PLAN", description="An active prepaid service plan that covers it.")
    OEM = strawberry.enum_value("OEM", description="The manufacturer (technical campaign); reported net, untaxed.")


@strawberry.enum(description="Kind of a quote position; also its price category for discounts and tax.")
class PositionType(Enum):
    LABOR = strawberry.enum_value("LABOR", description="Labour operation in the brand's time units.")
    PART = strawberry.enum_value("PART", description="A part, per piece.")
    FLUID = strawberry.enum_value("FLUID", description="A fluid other than engine oil (brake fluid, DCT fluid …).")
    OIL = strawberry.enum_value("OIL", description="Engine oil, in litres.")
    SUNDRY = strawberry.enum_value("SUNDRY", description="Shop supplies, one flat line per quote.")
    FEE = strawberry.enum_value("FEE", description="Used-oil disposal fee, one flat line when oil is changed.")


@strawberry.enum(description="Customer group; decides the discount rates (DOMAIN §7.3.9).")
class CustomerGroup(Enum):
    RETAIL = strawberry.enum_value("RETAIL", description="Private customer: no group discount.")
    FLEET = strawberry.enum_value("FLEET", description="Fleet customer: parts, fluids, oil 10 %, labour 5 %.")
    STAFF = strawberry.enum_value("STAFF", description="Staff: 20 % on parts, fluids, oil and labour.")
