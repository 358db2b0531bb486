"""Recording service events and subscribing to them (partners resume from a cursor and miss nothing)."""

import datetime
from collections.abc import AsyncIterator
from typing import Annotated

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from calculation.records import ServiceEvent as ServiceEventRecord
from resolvers import events as event_resolvers
from resolvers import vehicle as vehicle_resolvers
from resolvers.context import request_context
from resolvers.errors import too_many_filter_values
from resolvers.events import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    MAX_ITEM_CODES,
    MAX_NOTE_LENGTH,
    MAX_WORKSHOP_CODE_LENGTH,
    EventFilter,
    EventRequest,
    Notification,
)
from schema.quote import ODOMETER_RANGE
from schema.service import ServiceEvent
from schema.vehicle import Vehicle


@strawberry.input(description="A service a workshop performed, as it records it.")
class ServiceEventInput:
    vin: str = strawberry.field(description="The vehicle's VIN, any case.")
    date: datetime.date = strawberry.field(description="Date of the visit; not in the future, not before handover.")
    odometer: int = strawberry.field(
        description=(
            f"Odometer in the market's unit, {ODOMETER_RANGE}. Lower than an earlier reading: kept, flagged ROLLBACK "
            "(§7.4)."
        )
    )
    workshop_code: str = strawberry.field(
        description=f"The workshop's dealer code; at most {MAX_WORKSHOP_CODE_LENGTH} characters "
        "(longer: WORKSHOP_CODE_TOO_LONG)."
    )
    authorised_workshop: bool = strawberry.field(description="Whether the workshop is an authorised partner.")
    item_codes: list[str] = strawberry.field(
        description="Items performed (see `serviceItemTypes`); TECH_CAMPAIGN completes the vehicle's open campaigns. "
        f"At most {MAX_ITEM_CODES} (more: TOO_MANY_ITEM_CODES)."
    )
    note: str | None = strawberry.field(
        default=None,
        description=f"Free text kept with the event; at most {MAX_NOTE_LENGTH} characters (longer: NOTE_TOO_LONG).",
    )

    def request(self) -> EventRequest:
        return EventRequest(
            vin=self.vin, date=self.date, odometer=self.odometer, workshop_code=self.workshop_code,
            authorised_workshop=self.authorised_workshop, item_codes=tuple(self.item_codes), note=self.note,
        )  # fmt: skip


@strawberry.input(
    description="Which events to receive: every given criterion must match, any value within one. Each list holds "
    "at most 100 entries (the server's default limit); a longer one is TOO_MANY_FILTER_VALUES."
)
class ServiceEventFilter:
    vins: list[str] | None = strawberry.field(default=None, description="Only these vehicles (at most 100).")
    brands: list[str] | None = strawberry.field(
        default=None, description='Only these brands, e.g. ["VRN"] (at most 100).'
    )
    markets: list[str] | None = strawberry.field(
        default=None, description='Only these markets, e.g. ["DE", "AT"] (at most 100).'
    )
    item_codes: list[str] | None = strawberry.field(
        default=None, description="Only events with at least one of these items (at most 100)."
    )

    def spec(self, max_values: int) -> EventFilter:
        """The filter the hub applies; refuses a list longer than `max_values` before any of it is used."""
        lists = {"vins": self.vins, "brands": self.brands, "markets": self.markets, "itemCodes": self.item_codes}
        for name, values in lists.items():
            if values is not None and len(values) > max_values:
                raise too_many_filter_values(name, len(values), max_values)
        return EventFilter(
            vins=frozenset(v.upper() for v in self.vins) if self.vins is not None else None,
            brands=frozenset(self.brands) if self.brands is not None else None,
            markets=frozenset(self.markets) if self.markets is not None else None,
            item_codes=frozenset(self.item_codes) if self.item_codes is not None else None,
        )


async def _notification_vehicle(root: strawberry.Parent[Notification], info: Info) -> object:
    return await vehicle_resolvers.vehicle(info, root.vin)


@strawberry.type(description="One recorded service event, with the cursor to resume after it.")
class ServiceEventNotification:
    cursor: str = strawberry.field(
        description="Its place in the global order; pass the last one received as `after` when reconnecting."
    )
    vin: str = strawberry.field(description="VIN of the vehicle.")
    event: ServiceEvent = strawberry.field(description="The event as recorded.")
    vehicle = strawberry.field(
        resolver=_notification_vehicle,
        graphql_type=Vehicle | None,
        description="The vehicle, read when the notification is delivered (its data as of then).",
    )


async def record_event(
    info: Info,
    input: Annotated[ServiceEventInput, strawberry.argument(description="The event.")],
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description="Any unique string; sending the same request again with it returns the first result "
            "and records and publishes nothing twice, even when the requests arrive at once. The same key with a "
            f"different request is an error. At most {MAX_IDEMPOTENCY_KEY_LENGTH} characters "
            "(longer: IDEMPOTENCY_KEY_TOO_LONG)."
        ),
    ] = UNSET,  # no default in the schema: the argument is simply optional
) -> ServiceEventRecord:
    key = None if idempotency_key is UNSET else idempotency_key
    return await event_resolvers.record_service_event(info, input.request(), key)


async def subscribe(
    info: Info,
    filter: Annotated[ServiceEventFilter | None, strawberry.argument(description="Which events.")] = UNSET,
    after: Annotated[
        str | None,
        strawberry.argument(
            description="Resume after this cursor: first every missed event (within the retention), then live."
        ),
    ] = UNSET,
) -> AsyncIterator[Notification]:
    spec = filter.spec(request_context(info).max_filter_values) if filter else EventFilter()
    async for notification in event_resolvers.service_event_recorded(info, spec, after or None):
        yield notification
