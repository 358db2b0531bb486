"""The quote as the public `ServiceQuote` shape: camelCase names, dates and exact decimals as strings (D19)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from calculation.due import DueItem
from calculation.money import format_money, format_plain
from calculation.quote import LABOR, PayerTotal, QuotePosition, ServiceQuote

LABOUR_UNIT_PRICE = Decimal("0.0001")  # D19: rate per time unit shown with 4 decimals


def tax_rate_text(rate: Decimal) -> str:
    """The fraction as the market states it ("0.19", "0.081"); "0" for untaxed lines."""
    return "0" if rate == 0 else str(rate)


def due_item(d: DueItem) -> dict[str, Any]:
    return {
        "item": {"code": d.item.code, "name": d.item.name, "category": d.item.category},
        "status": d.status,
        "triggers": list(d.triggers),
        "basis": d.basis,
        "anchorDate": d.anchor_date.isoformat(),
        "anchorOdometer": d.anchor_odometer,
        "dueDate": d.due_date.isoformat() if d.due_date else None,
        "dueOdometer": d.due_odometer,
    }


def position(p: QuotePosition, minor_unit: int) -> dict[str, Any]:
    unit_price = (
        f"{p.unit_price.quantize(LABOUR_UNIT_PRICE, rounding=ROUND_HALF_UP):f}"
        if p.type == LABOR
        else format_money(p.unit_price, minor_unit)
    )
    return {
        "pos": p.pos,
        "payer": p.payer,
        "itemCode": p.item_code,
        "type": p.type,
        "ref": p.ref,
        "description": p.description,
        "quantity": format_plain(p.quantity),
        "unit": p.unit,
        "unitPrice": unit_price,
        "gross": format_money(p.gross, minor_unit),
        "discountPercent": format_plain(p.discount_percent),
        "discount": format_money(p.discount, minor_unit),
        "net": format_money(p.net, minor_unit),
        "taxRate": tax_rate_text(p.tax_rate),
    }


def payer_total(t: PayerTotal, minor_unit: int) -> dict[str, Any]:
    return {
        "payer": t.payer,
        "net": format_money(t.net, minor_unit),
        "tax": format_money(t.tax, minor_unit),
        "gross": format_money(t.gross, minor_unit),
        "cashRounding": format_money(t.cash_rounding, minor_unit),
        "payable": format_money(t.payable, minor_unit),
    }


def service_quote(q: ServiceQuote) -> dict[str, Any]:
    """The quote exactly as GraphQL's `ServiceQuote` returns it."""
    return {
        "vin": q.vin,
        "currency": q.currency,
        "serviceRegime": q.service_regime,
        "dueItems": [due_item(d) for d in q.due_items],
        "positions": [position(p, q.minor_unit) for p in q.positions],
        "totals": [payer_total(t, q.minor_unit) for t in q.totals],
        "warnings": [{"code": w.code, "message": w.message} for w in q.warnings],
    }
