"""The quote in its public `ServiceQuote` shape: exact decimals as strings (D19), dates as ISO dates.

The view objects carry snake_case attributes; `as_json` gives the camelCase JSON of the GraphQL contract, so the
command line and the API serve one and the same representation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from calculation.due import DueItem
from calculation.money import format_money, format_plain
from calculation.quote import LABOR, PayerTotal, QuotePosition, QuoteWarning, ServiceQuote
from catalog.conditions import attribute_name

LABOUR_UNIT_PRICE = Decimal("0.0001")  # D19: rate per time unit shown with 4 decimals


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


def tax_rate_text(rate: Decimal) -> str:
    """The fraction as the market states it ("0.19", "0.081"); "0" for untaxed lines."""
    return "0" if rate == 0 else str(rate)


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


def service_quote(q: ServiceQuote) -> dict[str, Any]:
    """The quote exactly as GraphQL's `ServiceQuote` returns it."""
    result: dict[str, Any] = as_json(quote_view(q))
    return result


def quote_view_from_json(data: dict[str, Any]) -> ServiceQuoteView:
    """The view of a quote read back from its JSON (e.g. an archived quote)."""
    return ServiceQuoteView(
        vin=data["vin"],
        currency=data["currency"],
        service_regime=data["serviceRegime"],
        due_items=tuple(
            DueItemView(
                item=ItemTypeView(**d["item"]),
                status=d["status"],
                triggers=tuple(d["triggers"]),
                basis=d["basis"],
                anchor_date=date.fromisoformat(d["anchorDate"]),
                anchor_odometer=d["anchorOdometer"],
                due_date=date.fromisoformat(d["dueDate"]) if d["dueDate"] else None,
                due_odometer=d["dueOdometer"],
            )
            for d in data["dueItems"]
        ),
        positions=tuple(PositionView(**{attribute_name(k): v for k, v in p.items()}) for p in data["positions"]),
        totals=tuple(PayerTotalView(**{attribute_name(k): v for k, v in t.items()}) for t in data["totals"]),
        warnings=tuple(WarningView(**w) for w in data["warnings"]),
    )
