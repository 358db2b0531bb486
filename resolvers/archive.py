"""Resolvers of the quote archive: archive a computed quote with its inputs, read an archived one back."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.types import Info

from calculation.echo import quoted
from calculation.quote import QuoteRequest
from calculation.records import VehicleFile
from calculation.vin import checked_vin
from presentation.quote import ServiceQuoteView, as_json, from_json
from resolvers.context import request_context
from resolvers.errors import domain_error, vin_error
from resolvers.quote import service_quote_of
from store import prepared
from store.archive import ARCHIVE_ID

DOCUMENT_KIND = "aftersales-service-quote"
DOCUMENT_VERSION = 1


@dataclass(frozen=True)
class ArchivedInput:
    quote_date: str
    odometer: int
    customer_group: str
    include_recommended: tuple[str, ...]
    include_statutory: bool


@dataclass(frozen=True)
class ArchivedQuote:
    id: str
    vin: str
    input: ArchivedInput
    quote: ServiceQuoteView
    document: str


def request_json(request: QuoteRequest) -> dict[str, Any]:
    return {
        "quoteDate": request.quote_date.isoformat(),
        "odometer": request.odometer,
        "customerGroup": request.customer_group,
        "includeRecommended": list(request.include_recommended),
        "includeStatutory": request.include_statutory,
    }


def document(file: VehicleFile, request: QuoteRequest, quote: ServiceQuoteView) -> bytes:
    """The archived JSON: the quote with every input of its calculation, keys sorted so that equal quotes of
    equal inputs give equal bytes (and so one id)."""
    return orjson.dumps(
        {
            "kind": DOCUMENT_KIND,
            "version": DOCUMENT_VERSION,
            "program": version("aftersales-graph"),
            "vin": file.vehicle.vin,
            "input": request_json(request),
            "vehicle": prepared.vehicle_to_json(file.vehicle),
            "serviceEvents": [prepared.event_to_json(e) for e in file.events],
            "contracts": [prepared.contract_to_json(c) for c in file.contracts],
            "campaignAssignments": [prepared.campaign_vehicle_to_json(c) for c in file.campaigns],
            "quote": as_json(quote),
        },
        option=orjson.OPT_SORT_KEYS,
    )


def archived(quote_id: str, data: bytes, parsed: dict[str, Any]) -> ArchivedQuote:
    asked = parsed["input"]
    given = ArchivedInput(
        quote_date=asked["quoteDate"],
        odometer=asked["odometer"],
        customer_group=asked["customerGroup"],
        include_recommended=tuple(asked["includeRecommended"]),
        include_statutory=asked["includeStatutory"],
    )
    return ArchivedQuote(quote_id, parsed["vin"], given, from_json(ServiceQuoteView, parsed["quote"]), data.decode())


async def archive_service_quote(info: Info, vin: str, request: QuoteRequest) -> ArchivedQuote:
    ctx = request_context(info)
    check = checked_vin(vin, ctx.catalog)
    if check.reject is not None:
        raise vin_error(check.reject)
    vehicle = await ctx.loaders.vehicle_by_vin.load(check.vin)
    if vehicle is None:
        raise domain_error("VEHICLE_NOT_FOUND", f"VIN {check.vin} is not in the vehicle master.")
    file, quote = await service_quote_of(ctx, vehicle, request)
    data = document(file, request, quote)
    quote_id = await ctx.archive.put(data)
    return archived(quote_id, data, orjson.loads(data))


async def archived_quote(
    info: Info,
    quote_id: Annotated[str, strawberry.argument(name="id", description="The archive id (64 hex digits).")],
) -> ArchivedQuote | None:
    if not ARCHIVE_ID.match(quote_id):
        raise domain_error("INVALID_ARCHIVE_ID", f"{quoted(quote_id)} is not an archive id (64 lower-case hex digits).")
    ctx = request_context(info)
    data = await ctx.archive.get(quote_id)
    if data is None:
        return None
    parsed = orjson.loads(data)
    # an archived quote of a vehicle outside the caller's scopes is, like the vehicle, not there
    return archived(quote_id, data, parsed) if ctx.sees(prepared.vehicle_from_json(parsed["vehicle"])) else None
