"""The service quote and due items (DOMAIN §5, §8): inputs, due list, positions, totals per payer, warnings."""

import datetime

import strawberry

from calculation.bounds import EARLIEST_DATE, LATEST_DATE, MAX_LOOK_AHEAD_DAYS, MAX_LOOK_AHEAD_DISTANCE, MAX_ODOMETER
from calculation.quote import QuoteRequest
from resolvers import quote as quote_resolvers
from schema.enums import CustomerGroup, DueStatus, Payer, PositionType, ServiceRegime
from schema.scalars import DecimalText

DATE_RANGE = f"{EARLIEST_DATE} to {LATEST_DATE}"
ODOMETER_RANGE = f"0 to {MAX_ODOMETER:,}"
"""The supported ranges as descriptions state them; outside them a field is DATE_OUT_OF_RANGE or INVALID_ODOMETER."""


@strawberry.input(description="What to quote: the visit's date and odometer, the customer group and optional items.")
class QuoteInput:
    quote_date: datetime.date = strawberry.field(description=f"Business date of the workshop visit, {DATE_RANGE}.")
    odometer: int = strawberry.field(
        description=f"Odometer reading in the market's distance unit (km or mi), {ODOMETER_RANGE}."
    )
    customer_group: CustomerGroup | None = strawberry.field(
        default=CustomerGroup.RETAIL, description="Decides the discount rates; null means RETAIL."
    )
    include_recommended: list[str] | None = strawberry.field(
        default_factory=list,
        description='Recommended (REC) items the customer asks for, e.g. ["WIPER_BLADES"]; any other code is an error.',
    )
    include_statutory: bool | None = strawberry.field(
        default=False, description="Include the market's statutory roadworthiness test (DE HU, IT revisione, GB MOT)."
    )

    def request(self) -> QuoteRequest:
        return QuoteRequest(
            quote_date=self.quote_date,
            odometer=self.odometer,
            customer_group=(self.customer_group or CustomerGroup.RETAIL).name,
            include_recommended=tuple(self.include_recommended or ()),
            include_statutory=bool(self.include_statutory),
        )


@strawberry.input(description="When to evaluate due items, with optional look-ahead overrides (DOMAIN §8.4).")
class DueInput:
    quote_date: datetime.date = strawberry.field(description=f"Date to evaluate at, {DATE_RANGE}.")
    odometer: int = strawberry.field(description=f"Odometer in the market's distance unit, {ODOMETER_RANGE}.")
    include_recommended: list[str] | None = strawberry.field(
        default_factory=list, description="Recommended (REC) items to evaluate too."
    )
    include_statutory: bool | None = strawberry.field(default=False, description="Evaluate the statutory test too.")
    look_ahead_distance: int | None = strawberry.field(
        default=None,
        description=f"Look-ahead distance, 0 to {MAX_LOOK_AHEAD_DISTANCE:,}; default the market's (1,000 km / 600 mi).",
    )
    look_ahead_days: int | None = strawberry.field(
        default=None, description=f"Look-ahead days, 0 to {MAX_LOOK_AHEAD_DAYS:,}; default 30."
    )

    def request(self) -> QuoteRequest:
        return QuoteRequest(
            quote_date=self.quote_date,
            odometer=self.odometer,
            include_recommended=tuple(self.include_recommended or ()),
            include_statutory=bool(self.include_statutory),
            look_ahead_distance=self.look_ahead_distance,
            look_ahead_days=self.look_ahead_days,
        )


@strawberry.type(description="Standard hours of a service item's labour operation (labour-time catalogue).")
class LabourTime:
    basis: str = strawberry.field(
        description="VEHICLE_CLASS, CYLINDERS, FLAT, CAMPAIGN (hours from the campaign) or REPAIR_ORDER."
    )
    hours: DecimalText | None = strawberry.field(description="Hours for a FLAT operation.")
    note: str | None = strawberry.field(description="Remark for campaign and repair-order operations.")


@strawberry.type(description="A maintenance item type of the catalogue (DOMAIN §7.3.6).")
class ServiceItemType:
    code: str = strawberry.field(description='Item code, e.g. "BRAKE_FLUID".')
    name: str = strawberry.field(description="What is done; also the labour line's description.")
    category: str = strawberry.field(
        description="CORE, ADD, REC (recommended), STAT (statutory test), COND, CAMP or ONCE."
    )
    labour_time = strawberry.field(
        resolver=quote_resolvers.labour_time,
        graphql_type=LabourTime | None,
        description="Standard hours of the item's operation.",
    )


@strawberry.type(description="An applicable maintenance item with its anchor, limits and status (DOMAIN §8.3–8.4).")
class DueItem:
    item: ServiceItemType = strawberry.field(description="The item.")
    status: DueStatus = strawberry.field(description="NOT_DUE, DUE or OVERDUE.")
    triggers: list[str] = strawberry.field(description="Limits reached or within look-ahead: DIST before TIME.")
    basis: str = strawberry.field(description='"first" (from handover) or "repeat" (from the last performance).')
    anchor_date: datetime.date = strawberry.field(description="Date the interval counts from.")
    anchor_odometer: int = strawberry.field(description="Odometer the interval counts from.")
    due_date: datetime.date | None = strawberry.field(description="Date limit; null when the item has none.")
    due_odometer: int | None = strawberry.field(description="Distance limit; null when the item has none.")


@strawberry.type(description="A part or fluid of the parts catalogue.")
class Part:
    part_number: str = strawberry.field(description="Part number.")
    description: str = strawberry.field(description="Description.")
    unit: str = strawberry.field(description="PCS, L or KG.")
    price_category: str = strawberry.field(description="PART or FLUID.")


@strawberry.type(description="One priced line of the quote (DOMAIN §5.1, §8.6).")
class QuotePosition:
    pos: int = strawberry.field(description="Position number, 1 … n in quote order.")
    payer: Payer = strawberry.field(description="Who pays the line.")
    item_code: str | None = strawberry.field(description="Service item; null for shop supplies and fees.")
    type: PositionType = strawberry.field(description="Kind of line; also its price category.")
    ref: str = strawberry.field(description="Operation code (OP-…), part number, oil product or campaign code.")
    description: str = strawberry.field(description="Text printed on the quote.")
    quantity: DecimalText = strawberry.field(description="Time units for labour, else pieces, litres or kilograms.")
    unit: str = strawberry.field(description="TU (the brand's labour time unit), PCS, L or KG.")
    unit_price: DecimalText = strawberry.field(
        description="Local price per unit; for labour the hourly rate ÷ time units per hour, shown with 4 decimals."
    )
    gross: DecimalText = strawberry.field(description="round(quantity × unit price); labour rounded once.")
    discount_percent: DecimalText = strawberry.field(description="Discount in percent: the highest rule, no stacking.")
    discount: DecimalText = strawberry.field(description="round(gross × rate ÷ 100).")
    net: DecimalText = strawberry.field(description="gross − discount.")
    tax_rate: DecimalText = strawberry.field(description='Tax rate as a fraction ("0.19"); "0" when exempt or OEM.')
    part = strawberry.field(
        resolver=quote_resolvers.position_part,
        graphql_type=Part | None,
        description="The catalogue part of a PART or FLUID line.",
    )


@strawberry.type(description="What one payer owes: net, tax per rate on the sum of line nets, cash rounding.")
class PayerTotal:
    payer: Payer = strawberry.field(description="The payer.")
    net: DecimalText = strawberry.field(description="Sum of the payer's line nets.")
    tax: DecimalText = strawberry.field(description="Σ round(net at each rate × rate); 0 for OEM lines.")
    gross: DecimalText = strawberry.field(description="net + tax.")
    cash_rounding: DecimalText = strawberry.field(
        description="payable − gross: rounding of the customer payable to the market's cash step (CHF 0.05)."
    )
    payable: DecimalText = strawberry.field(description="Amount to pay.")


@strawberry.type(description="Something the quote's reader should know: VIN, odometer, contract or oil remarks.")
class Warning:
    code: str = strawberry.field(description='Machine-readable code, e.g. "ODOMETER_ROLLBACK", "CONTRACT_EXPIRED".')
    message: str = strawberry.field(description="The remark in a sentence.")


@strawberry.type(description="A service quote: due items, priced positions, totals per payer (DOMAIN §5, §8).")
class ServiceQuote:
    vin: str = strawberry.field(description="VIN of the vehicle quoted.")
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    service_regime: ServiceRegime | None = strawberry.field(description="Effective regime; null for a BEV.")
    due_items: list[DueItem] = strawberry.field(description="Every applicable item with its status, catalogue order.")
    positions: list[QuotePosition] = strawberry.field(description="Priced lines for DUE/OVERDUE items and campaigns.")
    totals: list[PayerTotal] = strawberry.field(
        description="One per payer with positions: CUSTOMER, SERVICE_PLAN, OEM."
    )
    warnings: list[Warning] = strawberry.field(description="Remarks in a fixed order: VIN, odometer, contract, oil.")
