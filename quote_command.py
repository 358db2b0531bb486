"""`aftersales quote`: the service quote for one vehicle of a prepared data set, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from calculation.bounds import InputError
from calculation.quote import QuoteRequest, QuoteWarning, compute
from calculation.vin import validate_vin
from catalog import default_catalog
from presentation.quote import service_quote
from store.base import load_vehicle_file
from store.embedded import EmbeddedStore
from store.prepared import PreparedDataError


def fail(message: str) -> int:
    print(f"aftersales quote: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    try:
        quote_date = date.fromisoformat(args.date)
    except ValueError:
        return fail(f"--date {args.date!r} is not a date of the form YYYY-MM-DD.")
    catalog = default_catalog()
    check = validate_vin(args.vin, catalog)
    if check.reject is not None:
        return fail(f"{check.reject.code}: {check.reject.message}")
    try:
        store = EmbeddedStore.load(args.data)
    except PreparedDataError as exc:
        return fail(str(exc))
    file = load_vehicle_file(store, check.vin)
    check = validate_vin(check.vin, catalog, master={file.vehicle.vin: file.vehicle} if file else {})
    if file is None or check.reject is not None:
        reject = check.reject
        return fail(f"{reject.code}: {reject.message}" if reject else f"VIN {check.vin} is not in {args.data}.")
    request = QuoteRequest(
        quote_date=quote_date,
        odometer=args.odometer,
        customer_group=args.customer_group,
        include_recommended=tuple(args.recommended),
        include_statutory=args.statutory,
    )
    vin_warnings = [QuoteWarning(w.code, w.message) for w in check.warnings]
    try:
        quote = service_quote(compute(catalog, file, request, vin_warnings))
    except InputError as exc:
        return fail(f"{exc.code}: {exc.message}")
    if args.json:
        print(json.dumps(quote, indent=2, ensure_ascii=False))
    else:
        print(render(quote, request))
    return 0


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """Plain fixed-width columns; numbers (strings starting with a digit or minus) right-aligned."""
    cells = [headers, *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        numeric = [c[:1].isdigit() or (c[:1] == "-" and c[1:2].isdigit()) for c in row]
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric, strict=True)).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *(line(r) for r in cells[1:])])


def render(q: dict[str, Any], request: QuoteRequest) -> str:
    out = [
        f"Service quote for {q['vin']} on {request.quote_date} at {request.odometer} "
        f"({q['currency']}, regime {q['serviceRegime'] or 'n/a'}, customer group {request.customer_group})",
        "",
        "Due items",
        table(
            ["item", "status", "triggers", "basis", "anchor", "due at", "due date"],
            [
                [
                    d["item"]["code"],
                    d["status"],
                    "+".join(d["triggers"]),
                    d["basis"],
                    f"{d['anchorDate']} @ {d['anchorOdometer']}",
                    d["dueOdometer"],
                    d["dueDate"],
                ]
                for d in q["dueItems"]
            ],
        ),
        "",
    ]
    if q["positions"]:
        out += [
            "Positions",
            table(
                ["pos", "payer", "type", "ref", "description", "qty", "unit", "unit price", "gross", "disc %",
                 "discount", "net", "tax rate"],
                [
                    [p["pos"], p["payer"], p["type"], p["ref"], p["description"], p["quantity"], p["unit"],
                     p["unitPrice"], p["gross"], p["discountPercent"], p["discount"], p["net"], p["taxRate"]]
                    for p in q["positions"]
                ],
            ),
            "",
            "Totals",
            table(
                ["payer", "net", "tax", "gross", "cash rounding", "payable"],
                [[t["payer"], t["net"], t["tax"], t["gross"], t["cashRounding"], t["payable"]] for t in q["totals"]],
            ),
        ]  # fmt: skip
    else:
        out.append("Nothing is due: no positions.")
    for w in q["warnings"]:
        out.append(f"warning {w['code']}: {w['message']}")
    return "\n".join(out)
