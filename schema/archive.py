"""The quote archive: archived quotes and the mutation that archives one (kept immutable, content-addressed)."""

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import archive as archive_resolvers
from resolvers.archive import ArchivedQuote as ArchivedQuoteRecord
from schema.quote import QuoteInput, ServiceQuote


@strawberry.type(description="The quote input as it was archived.")
class ArchivedQuoteInput:
    quote_date: str = strawberry.field(description="Business date of the visit, ISO-8601.")
    odometer: int = strawberry.field(description="Odometer in the market's distance unit.")
    customer_group: str = strawberry.field(description="RETAIL, FLEET or STAFF.")
    include_recommended: list[str] = strawberry.field(description="Recommended items asked for.")
    include_statutory: bool = strawberry.field(description="Whether the statutory test was included.")


@strawberry.type(
    description=(
        "A quote archived for audit: the quote and every input of its calculation (vehicle, history, contracts, "
        "campaigns, request), stored once under the SHA-256 of its bytes and never changed."
    )
)
class ArchivedQuote:
    id: strawberry.ID = strawberry.field(description="SHA-256 of `document`, 64 hex digits.")
    vin: str = strawberry.field(description="VIN of the vehicle quoted.")
    input: ArchivedQuoteInput = strawberry.field(description="What was asked for.")
    quote: ServiceQuote = strawberry.field(description="The quote as it was computed.")
    document: str = strawberry.field(description="The archived JSON, byte for byte as stored.")


async def archive(
    info: Info,
    vin: Annotated[str, strawberry.argument(description="The VIN, 17 characters, any case.")],
    input: Annotated[QuoteInput, strawberry.argument(description="Date, odometer, customer group, optional items.")],
) -> ArchivedQuoteRecord:
    return await archive_resolvers.archive_service_quote(info, vin, input.request())
