"""The calculation's results in their public shape: exact decimals as strings (D19), dates as ISO dates.

The view objects carry snake_case attributes, which the GraphQL types read; `as_json` gives the camelCase JSON of
the same contract and `from_json` reads it back, both derived from the views' fields, so the command line, the
API and the quote archive serve one and the same representation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import NoneType, UnionType
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from calculation.due import DueItem
from calculation.money import round_money
from calculation.oil import OilRequirement
from calculation.quote import LABOR, PayerTotal, QuotePosition, QuoteWarning, ServiceQuote
from catalog.records import Market, OilProduct

LABOUR_UNIT_PRICE = Decimal("0.0001")  # D19: a LABOR line's rate per time unit is shown with 4 decimals

View = TypeVar("View")


def format_money(amount: Decimal, minor_unit: int) -> str:
    """Exactly `minor_unit` decimals, zero included ("0.00", JPY "0")."""
    text = f"{round_money(amount, minor_unit):f}"
    return "0" + text[2:] if text.startswith("-0") and Decimal(text) == 0 else text


def format_plain(value: Decimal) -> str:
    """A quantity or rate without trailing zeros and without exponent ("50", "4.3", "0.081")."""
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


def tax_rate_text(rate: Decimal) -> str:
    """The fraction as the market states it ("0.19", "0.081"); "0" for untaxed lines."""
    return "0" if rate == 0 else str(rate)


@dataclass(frozen=True, slots=True)
class ItemTypeView:
    code: str
    name: str
    category: str


@dataclass(frozen=True, slots=True)
class DueItemView:
    item: ItemTypeView
    status: str
    triggers: tuple[str, ...]
    basis: str
    anchor_date: date
    anchor_odometer: int
    due_date: date | None
    due_odometer: int | None


@dataclass(frozen=True, slots=True)
class PositionView:
    pos: int
    payer: str
    item_code: str | None
    type: str
    ref: str
    description: str
    quantity: str
    unit: str
    unit_price: str
    gross: str
    discount_percent: str
    discount: str
    net: str
    tax_rate: str


@dataclass(frozen=True, slots=True)
class PayerTotalView:
    payer: str
    net: str
    tax: str
    gross: str
    cash_rounding: str
    payable: str


@dataclass(frozen=True, slots=True)
class WarningView:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ServiceQuoteView:
    vin: str
    currency: str
    service_regime: str | None
    due_items: tuple[DueItemView, ...]
    positions: tuple[PositionView, ...]
    totals: tuple[PayerTotalView, ...]
    warnings: tuple[WarningView, ...]


@dataclass(frozen=True)
class OilRequirementView:
    norm_codes: tuple[str, ...]
    viscosities: tuple[str, ...]
    capacity_litres: str
    selected_product: OilProduct | None
    price_per_litre: str | None
    currency: str


def due_item(d: DueItem) -> DueItemView:
    return DueItemView(
        item=ItemTypeView(d.item.code, d.item.name, d.item.category),
        status=d.status,
        triggers=d.triggers,
        basis=d.basis,
        anchor_date=d.anchor_date,
        anchor_odometer=d.anchor_odometer,
        due_date=d.due_date,
        due_odometer=d.due_odometer,
    )


def position(p: QuotePosition, minor_unit: int) -> PositionView:
    unit_price = (
        f"{p.unit_price.quantize(LABOUR_UNIT_PRICE, rounding=ROUND_HALF_UP):f}"
        if p.type == LABOR
        else format_money(p.unit_price, minor_unit)
    )
    return PositionView(
        pos=p.pos,
        payer=p.payer,
        item_code=p.item_code,
        type=p.type,
        ref=p.ref,
        description=p.description,
        quantity=format_plain(p.quantity),
        unit=p.unit,
        unit_price=unit_price,
        gross=format_money(p.gross, minor_unit),
        discount_percent=format_plain(p.discount_percent),
        discount=format_money(p.discount, minor_unit),
        net=format_money(p.net, minor_unit),
        tax_rate=tax_rate_text(p.tax_rate),
    )


def payer_total(t: PayerTotal, minor_unit: int) -> PayerTotalView:
    return PayerTotalView(
        payer=t.payer,
        net=format_money(t.net, minor_unit),
        tax=format_money(t.tax, minor_unit),
        gross=format_money(t.gross, minor_unit),
        cash_rounding=format_money(t.cash_rounding, minor_unit),
        payable=format_money(t.payable, minor_unit),
    )


def warning(w: QuoteWarning) -> WarningView:
    return WarningView(w.code, w.message)


def quote_view(q: ServiceQuote) -> ServiceQuoteView:
    return ServiceQuoteView(
        vin=q.vin,
        currency=q.currency,
        service_regime=q.service_regime,
        due_items=tuple(due_item(d) for d in q.due_items),
        positions=tuple(position(p, q.minor_unit) for p in q.positions),
        totals=tuple(payer_total(t, q.minor_unit) for t in q.totals),
        warnings=tuple(warning(w) for w in q.warnings),
    )


def oil_requirement(found: OilRequirement, market: Market) -> OilRequirementView:
    price = None if found.price_per_litre is None else format_money(found.price_per_litre, market.minor_unit)
    return OilRequirementView(
        norm_codes=found.norms,
        viscosities=found.viscosities,
        capacity_litres=str(found.capacity_litres),
        selected_product=found.selected_product,
        price_per_litre=price,
        currency=market.currency,
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def as_json(view: Any) -> Any:
    """A view object as JSON-ready data with the contract's camelCase names."""
    if is_dataclass(view) and not isinstance(view, type):
        return {_camel(f.name): as_json(getattr(view, f.name)) for f in fields(view)}
    if isinstance(view, tuple | list):
        return [as_json(v) for v in view]
    if isinstance(view, date):
        return view.isoformat()
    return view


def _from_json(kind: Any, data: Any) -> Any:
    """`data` as the annotated type `kind`: the inverse of `as_json` for the types the views use."""
    if isinstance(kind, type) and is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{f.name: _from_json(hints[f.name], data[_camel(f.name)]) for f in fields(kind)})
    origin = get_origin(kind)
    if origin is tuple:
        item, _ = get_args(kind)  # tuple[X, ...]
        return tuple(_from_json(item, v) for v in data)
    if origin is UnionType:  # X | None
        (present,) = (a for a in get_args(kind) if a is not NoneType)
        return None if data is None else _from_json(present, data)
    if kind is date:
        return date.fromisoformat(data)
    return data


def from_json(kind: type[View], data: dict[str, Any]) -> View:
    """The view read back from its JSON (e.g. an archived quote)."""
    view: View = _from_json(kind, data)
    return view


def service_quote(q: ServiceQuote) -> dict[str, Any]:
    """The quote exactly as GraphQL's `ServiceQuote` returns it."""
    result: dict[str, Any] = as_json(quote_view(q))
    return result
