"""The service quote: due items, priced positions, payers, discounts, tax per rate, cash rounding, warnings.

DOMAIN §5.3, §7.3.9, §8.5–8.7 and D8, D10, D16–D19.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calculation import due, oil
from calculation.bounds import (
    MAX_LOOK_AHEAD_DAYS,
    MAX_LOOK_AHEAD_DISTANCE,
    InputError,
    check_date,
    check_look_ahead,
    check_odometer,
)
from calculation.context import VehicleContext
from calculation.dates import age_months
from calculation.due import DueItem, DueRequest
from calculation.echo import quoted
from calculation.money import ceil_units, round_money, round_to_step
from calculation.odometer import OUTLIER, ROLLBACK, rolls_back
from calculation.records import CampaignVehicle, ServiceContract, ServiceEvent, VehicleFile, history_order
from catalog import Catalog
from catalog.conditions import value
from catalog.records import Campaign, ServiceItemType

CUSTOMER, SERVICE_PLAN, OEM = "CUSTOMER", "SERVICE_PLAN", "OEM"
LABOR, OIL, SUNDRY, FEE = "LABOR", "OIL", "SUNDRY", "FEE"
TECH_CAMPAIGN = "TECH_CAMPAIGN"
OIL_SERVICE_ITEMS = frozenset({"OIL_SVC_FIXED", "OIL_SVC_FLEX", "OIL_SVC_SEVERE"})
LABOUR_UNIT_PRICE_DECIMALS = 4  # D19: display only


@dataclass(frozen=True)
class QuoteRequest:
    """DOMAIN §8.1 input; look-ahead overrides default to the market's values."""

    quote_date: date
    odometer: int
    customer_group: str = "RETAIL"
    include_recommended: tuple[str, ...] = ()
    include_statutory: bool = False
    look_ahead_distance: int | None = None
    look_ahead_days: int | None = None

    def due_request(self) -> DueRequest:
        return DueRequest(
            quote_date=self.quote_date,
            odometer=self.odometer,
            include_recommended=self.include_recommended,
            include_statutory=self.include_statutory,
            look_ahead_distance=self.look_ahead_distance,
            look_ahead_days=self.look_ahead_days,
        )


@dataclass(frozen=True)
class QuoteWarning:
    code: str
    message: str


@dataclass(frozen=True)
class QuotePosition:
    """One priced line; `unit_price` of a LABOR line is the exact rate per time unit (formatted for display)."""

    pos: int
    payer: str
    item_code: str | None
    type: str
    ref: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    gross: Decimal
    discount_percent: Decimal
    discount: Decimal
    net: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class PayerTotal:
    payer: str
    net: Decimal
    tax_by_rate: tuple[TaxLine, ...]
    tax: Decimal
    gross: Decimal
    cash_rounding: Decimal
    payable: Decimal


@dataclass(frozen=True)
class ServiceQuote:
    vin: str
    currency: str
    minor_unit: int
    service_regime: str | None
    due_items: tuple[DueItem, ...]
    positions: tuple[QuotePosition, ...]
    totals: tuple[PayerTotal, ...]
    warnings: tuple[QuoteWarning, ...]


@dataclass
class _Line:
    """A position before numbering and discount."""

    payer: str
    item_code: str | None
    type: str
    ref: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    gross: Decimal


# --- inputs -------------------------------------------------------------------------------------------------


def check_request(catalog: Catalog, request: QuoteRequest) -> None:
    """Raises InputError for input the calculation cannot honour (D16 and the supported ranges)."""
    groups = {g.group for g in catalog.commercial.customer_groups}
    if request.customer_group not in groups:
        raise InputError(
            "UNKNOWN_CUSTOMER_GROUP",
            f"Customer group {quoted(request.customer_group)} is unknown; use one of {', '.join(sorted(groups))}.",
        )
    check_date("quote date", request.quote_date)
    check_odometer(request.odometer)
    check_look_ahead("distance", request.look_ahead_distance, MAX_LOOK_AHEAD_DISTANCE)
    check_look_ahead("days", request.look_ahead_days, MAX_LOOK_AHEAD_DAYS)
    for code in request.include_recommended:
        item = catalog.service_items.get(code)
        if item is None or item.category != "REC":
            raise InputError(
                "NOT_A_RECOMMENDED_ITEM",
                f"{quoted(code)} is not a recommended item; recommended items are "
                f"{', '.join(i.code for i in catalog.service_items.values() if i.category == 'REC')}.",
            )


# --- payers, campaigns, discounts -------------------------------------------------------------------------


def covers(catalog: Catalog, contract: ServiceContract, item_code: str, quote_date: date, odometer: int) -> bool:
    """D8: a non-cancelled plan covers an item inside its date window and odometer limit."""
    product = catalog.service_products.get(contract.product_type_code)
    return (
        product is not None
        and contract.status != "CANCELLED"
        and item_code in product.covered_item_codes
        and contract.start_date <= quote_date <= contract.end_date
        and (contract.max_odometer is None or odometer <= contract.max_odometer)
    )


def open_campaigns(
    catalog: Catalog,
    assignments: Sequence[CampaignVehicle],
    events: Sequence[ServiceEvent],
    on: date | None = None,
) -> list[Campaign]:
    """D10: OPEN assignments not completed by a TECH_CAMPAIGN item; with `on`, only campaigns valid that day."""
    completed = {
        item.campaign_code
        for event in events
        if on is None or event.date <= on
        for item in event.items
        if item.code == TECH_CAMPAIGN and item.performed
    }
    found = []
    for a in assignments:
        campaign = catalog.campaigns.get(a.campaign_code)
        if campaign is None or a.status != "OPEN" or a.campaign_code in completed:
            continue
        if on is not None and not (
            (campaign.valid_from is None or campaign.valid_from <= on)
            and (campaign.valid_to is None or on <= campaign.valid_to)
        ):
            continue
        found.append(campaign)
    return sorted(found, key=lambda c: c.code)


def discount_percent(ctx: VehicleContext, customer_group: str, category: str, quote_date: date) -> Decimal:
    """The highest applicable rate for the category, never stacked (§7.3.9): the same for every vehicle of one
    age in whole months."""
    age = age_months(ctx.vehicle.handover_date, quote_date)
    key = ("discount", customer_group, category, age)
    return ctx.catalog.remembered(key, lambda: _discount_percent(ctx, customer_group, category, age))


def _discount_percent(ctx: VehicleContext, customer_group: str, category: str, age: int) -> Decimal:
    rules = ctx.catalog.commercial
    rates = [
        dict(g.discount_percent_by_category).get(category, Decimal(0))
        for g in rules.customer_groups
        if g.group == customer_group
    ]
    rates += [
        dict(rule.discount_percent_by_category).get(category, Decimal(0))
        for rule in rules.loyalty_rules
        if age >= rule.min_vehicle_age_months
    ]
    return max(rates, default=Decimal(0))


# --- lines ------------------------------------------------------------------------------------------------


def labour_hours(ctx: VehicleContext, item_code: str) -> Decimal:
    time = ctx.catalog.labour_times[item_code]
    if time.basis == "VEHICLE_CLASS" and time.hours_by_vehicle_class is not None:
        return dict(time.hours_by_vehicle_class)[ctx.model.vehicle_class]
    if time.basis == "CYLINDERS" and time.hours_by_cylinders is not None:
        by_cylinders = dict(time.hours_by_cylinders)
        hours = by_cylinders.get(ctx.engine.cylinders, time.hours_other_cylinders)
        if hours is None:
            raise LookupError(f"no labour time for {item_code} with {ctx.engine.cylinders} cylinders")
        return hours
    if time.hours is None:
        raise LookupError(f"labour time of {item_code} is not a catalogue value ({time.basis})")
    return time.hours


def labour_line(ctx: VehicleContext, payer: str, item_code: str, ref: str, description: str, hours: Decimal) -> _Line:
    """TU = ceil(hours × TU per hour); gross = round(TU × rate ÷ TU per hour), rounded once (D18)."""
    per_hour = Decimal(ctx.brand.time_units_per_hour)
    units = ceil_units(hours * per_hour)
    rate = ctx.market.labour_rate_per_hour
    gross = round_money(units * rate / per_hour, ctx.market.minor_unit)
    unit = ctx.catalog.commercial.labour_unit
    return _Line(payer, item_code, LABOR, ref, description, units, unit, rate / per_hour, gross)


def part_lines(
    ctx: VehicleContext, item: ServiceItemType, payer: str, requirement: oil.OilRequirement | None
) -> list[_Line]:
    rules = ctx.catalog.item_parts.get(item.code)
    if rules is None:
        return []
    product = requirement.selected_product if requirement else None
    facts = ctx.with_facts({"oil.selectedProduct": product.code if product else None})
    market = ctx.market
    lines = []
    for rule in rules.lines:
        code = value(rule.part, facts)
        quantity = Decimal(str(value(rule.quantity, facts)))
        if rule.source == "OIL_PRODUCT":
            if product is None or requirement is None or requirement.price_per_litre is None:
                continue  # NO_OIL_PRODUCT: the oil line is omitted and a warning raised
            price = requirement.price_per_litre
            description = ctx.catalog.commercial.oil_description.replace("{viscosity}", product.viscosity)
            lines.append(
                _Line(
                    payer,
                    item.code,
                    OIL,
                    product.code,
                    description,
                    quantity,
                    ctx.catalog.commercial.oil_unit,
                    price,
                    round_money(quantity * price, market.minor_unit),
                )
            )
            continue
        part = ctx.catalog.parts[code]
        price = ctx.local_price(part.base_price_eur)
        lines.append(
            _Line(
                payer,
                item.code,
                part.price_category,
                part.part_number,
                part.description,
                quantity,
                part.unit,
                price,
                round_money(quantity * price, market.minor_unit),
            )
        )
    return lines


def flat_line(ctx: VehicleContext, payer: str, charge: str) -> _Line:
    rules = ctx.catalog.commercial
    flat = rules.shop_supplies if charge == SUNDRY else rules.oil_disposal
    amount = ctx.market.shop_supplies_flat if charge == SUNDRY else ctx.market.oil_disposal_fee
    gross = round_money(flat.quantity * amount, ctx.market.minor_unit)
    return _Line(payer, None, flat.position_type, flat.ref, flat.description, flat.quantity, flat.unit, amount, gross)


def build_lines(
    ctx: VehicleContext,
    due_items: Sequence[DueItem],
    contracts: Sequence[ServiceContract],
    campaigns: Sequence[Campaign],
    request: QuoteRequest,
    requirement: oil.OilRequirement | None,
) -> list[_Line]:
    """§8.6 order: per due item its labour then parts; campaigns; shop supplies; disposal fee (D16, D17)."""
    lines: list[_Line] = []
    prefix = ctx.catalog.commercial.labour_ref_prefix
    for entry in due_items:
        if not entry.is_due:
            continue
        code = entry.item.code
        payer = (
            SERVICE_PLAN
            if any(covers(ctx.catalog, c, code, request.quote_date, request.odometer) for c in contracts)
            else CUSTOMER
        )
        lines.append(labour_line(ctx, payer, code, prefix + code, entry.item.name, labour_hours(ctx, code)))
        lines.extend(part_lines(ctx, entry.item, payer, requirement))
    for campaign in campaigns:
        payer = ctx.catalog.commercial.campaign_payer
        lines.append(labour_line(ctx, payer, TECH_CAMPAIGN, campaign.code, campaign.title, campaign.labour_hours))
    labour_payers = {line.payer for line in lines if line.type == LABOR}
    for payer in (CUSTOMER, SERVICE_PLAN):  # shop supplies: customer first, never on campaign-only visits
        if payer in labour_payers:
            lines.append(flat_line(ctx, payer, SUNDRY))
            break
    oil_line = next((line for line in lines if line.type == OIL), None)
    if oil_line is not None:
        lines.append(flat_line(ctx, oil_line.payer, FEE))
    return lines


def price_lines(ctx: VehicleContext, lines: Sequence[_Line], request: QuoteRequest) -> list[QuotePosition]:
    """Numbering, discount (customer lines only, not SUNDRY/FEE), net and tax rate per line (§5.3, D19)."""
    rules = ctx.catalog.commercial
    market = ctx.market
    positions = []
    for pos, line in enumerate(lines, start=1):
        percent = Decimal(0)
        if line.payer in rules.discounted_payers and line.type not in rules.non_discounted_categories:
            percent = discount_percent(ctx, request.customer_group, line.type, request.quote_date)
        discount = round_money(line.gross * percent / 100, market.minor_unit)
        untaxed = line.payer in rules.not_taxed_payers or line.type in market.exempt_tax_categories
        positions.append(
            QuotePosition(
                pos=pos,
                payer=line.payer,
                item_code=line.item_code,
                type=line.type,
                ref=line.ref,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                gross=line.gross,
                discount_percent=percent,
                discount=discount,
                net=line.gross - discount,
                tax_rate=Decimal(0) if untaxed else market.tax_rate,
            )
        )
    return positions


def payer_totals(ctx: VehicleContext, positions: Sequence[QuotePosition]) -> list[PayerTotal]:
    """Per payer: tax per rate on the sum of line nets; cash rounding of the customer payable only."""
    rules = ctx.catalog.commercial
    market = ctx.market
    totals = []
    for payer in rules.payer_totals_order:
        mine = [p for p in positions if p.payer == payer]
        if not mine:
            continue
        net = sum((p.net for p in mine), Decimal(0))
        by_rate: dict[Decimal, Decimal] = {}
        for p in mine:
            by_rate[p.tax_rate] = by_rate.get(p.tax_rate, Decimal(0)) + p.net
        taxed = payer not in rules.not_taxed_payers
        tax_lines = tuple(
            TaxLine(rate, base, round_money(base * rate, market.minor_unit) if taxed else Decimal(0))
            for rate, base in sorted(by_rate.items(), reverse=True)
        )
        tax = sum((t.tax for t in tax_lines), Decimal(0))
        gross = net + tax
        payable = gross
        if payer in rules.cash_rounding_payers and market.cash_rounding_step is not None:
            payable = round_to_step(gross, market.cash_rounding_step, market.minor_unit)
        totals.append(PayerTotal(payer, net, tax_lines, tax, gross, payable - gross, payable))
    return totals


# --- warnings -----------------------------------------------------------------------------------------------


def plausibility_warnings(e: ServiceEvent) -> list[QuoteWarning]:
    """The warning an odometer flag of DOMAIN §7.4 rule 2 calls for, if any."""
    if e.plausibility == ROLLBACK:
        return [
            QuoteWarning(
                "ODOMETER_ROLLBACK",
                f"Service event {e.event_id} on {e.date} reads {e.odometer}, lower than an earlier reading; "
                f"it is not used for due distances (counted at {e.anchor_odometer}).",
            )
        ]
    if e.plausibility == OUTLIER:
        return [
            QuoteWarning(
                "ODOMETER_OUTLIER",
                f"Service event {e.event_id} on {e.date} reads {e.odometer}, an implausible distance per day "
                "since the previous reading; it is kept.",
            )
        ]
    return []


def odometer_warnings(events: Sequence[ServiceEvent], request: QuoteRequest) -> list[QuoteWarning]:
    """Flagged history readings (once per event), then an input reading below the last plausible one."""
    seen = sorted((e for e in events if e.date <= request.quote_date), key=history_order)
    found = [w for e in seen for w in plausibility_warnings(e)]
    plausible = [e for e in seen if e.plausibility != ROLLBACK]
    if plausible and rolls_back(request.odometer, plausible[-1].odometer):
        last = plausible[-1]
        found.append(
            QuoteWarning(
                "ODOMETER_BELOW_HISTORY",
                f"Odometer {request.odometer} is lower than the reading {last.odometer} of {last.date} "
                f"(service event {last.event_id}).",
            )
        )
    return found


def expired_contract_warnings(
    catalog: Catalog, contracts: Sequence[ServiceContract], due_items: Sequence[DueItem], request: QuoteRequest
) -> list[QuoteWarning]:
    """D19: once per plan contract that would cover a due item but for its date window or odometer limit."""
    found = []
    due_codes = [d.item.code for d in due_items if d.is_due]
    for contract in contracts:
        product = catalog.service_products.get(contract.product_type_code)
        if product is None or contract.status == "CANCELLED":
            continue
        would_cover = [c for c in due_codes if c in product.covered_item_codes]
        if not would_cover or any(
            covers(catalog, contract, c, request.quote_date, request.odometer) for c in would_cover
        ):
            continue
        found.append(
            QuoteWarning(
                "CONTRACT_EXPIRED",
                f"Contract {contract.contract_id} ({contract.product_type_code}, {contract.start_date} to "
                f"{contract.end_date}, up to {contract.max_odometer}) does not cover this quote; "
                f"{', '.join(would_cover)} are charged to the customer.",
            )
        )
    return found


# --- the quote ----------------------------------------------------------------------------------------------


def compute(
    catalog: Catalog,
    file: VehicleFile,
    request: QuoteRequest,
    vin_warnings: Sequence[QuoteWarning] = (),
) -> ServiceQuote:
    """The whole quote for one vehicle; pure: same input, same output."""
    check_request(catalog, request)
    ctx = VehicleContext.of(catalog, file.vehicle)
    due_items = due.evaluate(ctx, file.events, request.due_request())
    requirement = oil.vehicle_requirement(ctx)
    campaigns = open_campaigns(catalog, file.campaigns, file.events, on=request.quote_date)
    lines = build_lines(ctx, due_items, file.contracts, campaigns, request, requirement)
    positions = price_lines(ctx, lines, request)
    warnings = [*vin_warnings, *odometer_warnings(file.events, request)]
    warnings += expired_contract_warnings(catalog, file.contracts, due_items, request)
    oil_due = any(d.is_due and d.item.code in OIL_SERVICE_ITEMS for d in due_items)
    if oil_due and (requirement is None or requirement.selected_product is None):
        warnings.append(
            QuoteWarning(
                "NO_OIL_PRODUCT",
                f"No oil product meets {' or '.join(requirement.norms if requirement else ())} in "
                f"{', '.join(requirement.viscosities if requirement else ())}; the oil line is left out.",
            )
        )
    return ServiceQuote(
        vin=file.vehicle.vin,
        currency=ctx.market.currency,
        minor_unit=ctx.market.minor_unit,
        service_regime=ctx.effective_regime,
        due_items=tuple(due_items),
        positions=tuple(positions),
        totals=tuple(payer_totals(ctx, positions)),
        warnings=tuple(warnings),
    )
